// Every HTTP request is access too, from its authentication to its answer's last byte: a token
// revoked (a JWT expired, a reader taken back) while a request is in flight cuts it. Without
// this an exec or an upload whose body was still arriving started, or landed, after the token
// was revoked (its request was authenticated before), and ran or was written for good.
import type { Context } from 'hono'
import type { HttpEnv } from '../http/http-app.js'
import type { LiveSocket, LiveSockets } from './live-sockets.js'
import { routeAccess } from './route-access.js'

/** Tracks the request in `live` until its answer is done; `c.get('live')` is its entry. */
export function trackRequests(live: LiveSockets): (c: Context<HttpEnv>) => void {
  return (c) => {
    const { incoming, outgoing } = c.env ?? {}
    // In process (app.request()) there is no connection to cut.
    if (!incoming || !outgoing) return
    const access = routeAccess(c.req.method, c.req.path)
    const entry: LiveSocket = {
      principal: c.get('principal'),
      ...(access.kind === 'session' && { sessionId: access.sessionId }),
      close: () => {
        incoming.destroy()
        outgoing.destroy()
      },
    }
    c.set('live', entry)
    outgoing.once('close', live.add(entry))
  }
}
