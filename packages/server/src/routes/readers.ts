// Sharing: an owner (or an admin) adds a principal as a reader of a session, and takes it back.
// A reader sees the session and its history and answers nothing. Taking one back closes its
// sockets on the session at once. A session has at most MAX_READERS_PER_SESSION readers.
import { PrincipalIdSchema, type SessionReadersResponse } from '@claude-agent/protocol'
import type { Context } from 'hono'
import { httpActor } from '../audit/actor.js'
import type { AuditLog } from '../audit/audit-log.js'
import { ServerError } from '../errors.js'
import type { HttpEnv, RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { can } from '../tenancy/access.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'

export interface ReaderRoutesOptions {
  sessions: SessionManager
  live: LiveSockets
  audit: AuditLog
}

/** Each change stores the whole list again, and every access check and list scans it: without
 * a bound one member could grow it (and the store's writes) without end. */
export const MAX_READERS_PER_SESSION = 100

function readerParam(c: Context<HttpEnv>): string {
  const parsed = PrincipalIdSchema.safeParse(c.req.param('principal'))
  if (!parsed.success) {
    throw new ServerError('INVALID_REQUEST', 'Invalid principal: no control characters and no comma, 1 to 256 characters', {
      issues: [{ path: 'principal', message: parsed.error.issues[0]?.message ?? 'invalid' }],
    })
  }
  return parsed.data
}

export function readerRoutes({ sessions, live, audit }: ReaderRoutesOptions): RouteModule {
  const change = async (c: Context<HttpEnv>, shared: boolean) => {
    const session = sessions.get(c.req.param('id')!)
    const reader = readerParam(c)
    const readers = session.readers.filter((r) => r !== reader)
    // Counted as the list is taken, before any await: shares racing each other see each other.
    if (shared && readers.length >= MAX_READERS_PER_SESSION) {
      throw new ServerError('FORBIDDEN', `A session has at most ${MAX_READERS_PER_SESSION} readers: take one back first`, {
        action: 'reader_limit',
        limit: MAX_READERS_PER_SESSION,
      })
    }
    await sessions.setReaders(session.id, shared ? [...readers, reader] : readers)
    if (!shared) live.recheck(session.id, (principal) => can(principal, 'session.read', session) === 'allow')
    audit.record(httpActor(c), shared ? 'session_share' : 'session_unshare', session.id, { reader })
    return jsonResponse<SessionReadersResponse>({ session: session.id, readers: [...session.readers] })
  }
  return (app) => {
    app.put('/sessions/:id/readers/:principal', (c) => change(c, true))
    app.delete('/sessions/:id/readers/:principal', (c) => change(c, false))
  }
}
