// Who acts, as the audit log records it: the principal the request authenticated as (the
// presented token's label; `local` on a server without tokens) and the client's address.
import type { Context } from 'hono'
import type { HttpEnv } from '../http/http-app.js'

export interface Actor {
  principal: string
  /** The peer address of the client's socket; undefined in process (`app.request()`). */
  remote: string | undefined
}

/** The principal of every request on a server without tokens. */
export const LOCAL_PRINCIPAL = 'local'

export function actorOf(tokenLabel: string | undefined, remote: string | undefined): Actor {
  return { principal: tokenLabel ?? LOCAL_PRINCIPAL, remote }
}

/** The actor of an HTTP request. */
export function httpActor(c: Context<HttpEnv>): Actor {
  return actorOf(c.get('tokenLabel'), c.env?.incoming?.socket?.remoteAddress)
}
