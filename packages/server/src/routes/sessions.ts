// The native session API: create, list, get, delete sessions, and read a session's history.
import {
  CreateSessionRequestSchema,
  describeIssues,
  droppedAgentFields,
  summarizeIssues,
  type CreateSessionResponse,
  type DeleteSessionResponse,
  type GetSessionResponse,
  type ListSessionsResponse,
  type PermissionEventsResponse,
  type SessionEventsResponse,
} from '@claude-agent/protocol'
import type { EventLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { RouteModule } from '../http/http-app.js'
import { parseCursor, parseLimit } from '../http/query.js'
import { jsonResponse } from '../http/respond.js'
import type { SessionManager } from '../sessions/session-manager.js'

export function sessionRoutes(sessions: SessionManager, log: EventLog, options: { maxBodyBytes: number }): RouteModule {
  return (app) => {
    app.post('/sessions', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      const body = c.req.header('content-length') === '0' ? {} : await readJsonBody(c)
      const parsed = CreateSessionRequestSchema.safeParse(body)
      if (!parsed.success) {
        const issues = describeIssues(parsed.error)
        throw new ServerError('INVALID_REQUEST', `Invalid session: ${summarizeIssues(issues)}`, { issues })
      }
      const dropped = droppedAgentFields((body as { config?: unknown }).config, 'config.')
      const session = sessions.create(parsed.data, c.get('tokenLabel'))
      session.droppedConfigFields = dropped
      return jsonResponse<CreateSessionResponse>({ session: session.info(), ...(dropped.length > 0 && { dropped }) }, 201)
    })
    app.get('/sessions', () => jsonResponse<ListSessionsResponse>({ sessions: sessions.list() }))
    app.get('/sessions/:id', (c) => {
      const session = sessions.get(c.req.param('id'))
      return jsonResponse<GetSessionResponse>({ session: { ...session.info(), run: session.activeRun } })
    })
    app.delete('/sessions/:id', (c) => {
      sessions.delete(c.req.param('id'))
      return jsonResponse<DeleteSessionResponse>({ deleted: c.req.param('id') })
    })
    // The audit trail: every permission request and its resolution (who, what, when, scope).
    app.get('/sessions/:id/permissions', (c) => {
      const session = sessions.get(c.req.param('id'))
      const after = parseCursor(c.req.query('after') ?? '0', log.lastSeq(session.id)) ?? 0
      const limit = parseLimit(c.req.query('limit') ?? null)
      const events = log.readTypes(session.id, ['permission_request', 'permission_resolved'], after, limit)
      const body = { events: events.map((e) => ({ ...(JSON.parse(e.text) as object), at: new Date(e.at).toISOString() })) }
      return jsonResponse(body as PermissionEventsResponse)
    })
    app.get('/sessions/:id/events', (c) => {
      const session = sessions.get(c.req.param('id'))
      const lastSeq = log.lastSeq(session.id)
      const after = parseCursor(c.req.query('after') ?? '0', lastSeq) ?? 0
      const limit = parseLimit(c.req.query('limit') ?? null)
      const events = log.read(session.id, after, limit).map((e) => JSON.parse(e.text) as SessionEventsResponse['events'][number])
      const last = events.length > 0 ? after + events.length : after
      return jsonResponse<SessionEventsResponse>({ events, lastSeq, hasMore: last < lastSeq })
    })
  }
}
