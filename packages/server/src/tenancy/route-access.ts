// Which action a route asks for, from its method and path alone: the HTTP gate and the
// WebSocket upgrade both ask here, so a route added later is gated before its handler runs.
// Per session: reading is GET (and every WebSocket), anything else drives it; deleting the
// session itself is its own action, and so is setting its budget (admins only). Server-wide
// routes not named here are admin only (so are /usage and /principals/:id/budget).
import { decodeComponent } from '../http/request-target.js'
import { DEFAULT_SESSION_ID } from '../sessions/session-manager.js'
import type { ServerAction, SessionAction } from './access.js'

export type RouteAccess = { kind: 'session'; sessionId: string; action: SessionAction } | { kind: 'server'; action: ServerAction }

/** Routes of the original protocol that act on the default session. */
const DEFAULT_SESSION_PATHS = /^\/(?:config|files(?:\/.*)?|ws)$/
const SESSION_PATH = /^\/sessions\/([^/]+)(\/.*)?$/

const sessionAction = (method: string, rest: string | undefined): SessionAction => {
  if (method === 'GET') return 'session.read'
  if (method === 'DELETE' && rest === undefined) return 'session.delete'
  if (/^\/readers\/[^/]+$/.test(rest ?? '')) return 'session.share'
  if (rest === '/budget') return 'session.budget'
  return 'session.drive'
}

function serverAction(method: string, path: string): ServerAction {
  if (method === 'GET' && ['/health', '/ready', '/openapi.json', '/sessions', '/sessions-live'].includes(path)) return 'server.read'
  if (method === 'POST' && path === '/sessions') return 'sessions.create'
  if (path === '/tokens' || path.startsWith('/tokens/')) return 'tokens.manage'
  if (path === '/audit' || path.startsWith('/audit/')) return 'audit.read'
  return 'server.admin'
}

/**
 * @example
 * routeAccess('GET', '/sessions/s1/events') // { kind: 'session', sessionId: 's1', action: 'session.read' }
 * routeAccess('PUT', '/files/content')      // { kind: 'session', sessionId: 'default', action: 'session.drive' }
 * routeAccess('POST', '/tokens')            // { kind: 'server', action: 'tokens.manage' }
 */
export function routeAccess(method: string, path: string): RouteAccess {
  // An upgrade is a GET: every socket reads (its frames are checked one by one).
  if (DEFAULT_SESSION_PATHS.test(path)) return { kind: 'session', sessionId: DEFAULT_SESSION_ID, action: sessionAction(method, '/') }
  const match = SESSION_PATH.exec(path)
  if (match) return { kind: 'session', sessionId: decodeComponent(match[1]!, 'path'), action: sessionAction(method, match[2]) }
  return { kind: 'server', action: serverAction(method, path) }
}
