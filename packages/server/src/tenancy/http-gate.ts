// The HTTP side of access: before any handler runs, the route's action (route-access.ts) is
// authorized for the request's principal, on the session the path names. A route served by
// no handler is left to the app's NOT_FOUND / METHOD_NOT_ALLOWED answers.
import type { Context } from 'hono'
import type { HttpEnv } from '../http/http-app.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { authorize } from './access.js'
import type { Principal } from './principal.js'
import { routeAccess } from './route-access.js'

export type HttpGate = (c: Context<HttpEnv>) => void

export function httpGate(sessions: SessionManager): HttpGate {
  return (c) => {
    const access = routeAccess(c.req.method, c.req.path)
    const principal = c.get('principal')
    if (access.kind === 'server') authorize(principal, access.action)
    else authorize(principal, access.action, sessions.get(access.sessionId))
  }
}

/** The principal the request acts as (set by the app's authentication). */
export const principalOf = (c: Context<HttpEnv>): Principal => c.get('principal')
