// The native session API: create, list, get, delete sessions, and read a session's history.
import { CreateSessionRequestSchema, describeIssues, droppedAgentFields, summarizeIssues } from '@claude-agent/protocol'
import type { EventLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import { readJsonBody } from '../http/body.js'
import type { Route } from '../http/router.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { parseCursor } from '../ws/upgrade.js'

const MAX_PAGE = 10_000

function parseLimit(raw: string | null): number {
  if (raw === null) return 1000
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ServerError('INVALID_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE}`, {
      issues: [{ path: 'limit', message: `integer from 1 to ${MAX_PAGE}` }],
    })
  }
  return limit
}

export function sessionRoutes(sessions: SessionManager, log: EventLog, options: { maxBodyBytes: number }): Route[] {
  return [
    {
      method: 'POST',
      path: '/sessions',
      async handle({ req }) {
        const body = req.headers['content-length'] === '0' ? {} : await readJsonBody(req, options.maxBodyBytes)
        const parsed = CreateSessionRequestSchema.safeParse(body)
        if (!parsed.success) {
          const issues = describeIssues(parsed.error)
          throw new ServerError('INVALID_REQUEST', `Invalid session: ${summarizeIssues(issues)}`, { issues })
        }
        const dropped = droppedAgentFields((body as { config?: unknown }).config, 'config.')
        return { status: 201, body: { session: sessions.create(parsed.data).info(), ...(dropped.length > 0 && { dropped }) } }
      },
    },
    { method: 'GET', path: '/sessions', handle: () => ({ body: { sessions: sessions.list() } }) },
    {
      method: 'GET',
      path: '/sessions/:id',
      handle: ({ params }) => {
        const session = sessions.get(params['id']!)
        return { body: { session: { ...session.info(), run: session.activeRun } } }
      },
    },
    {
      method: 'DELETE',
      path: '/sessions/:id',
      handle: ({ params }) => {
        sessions.delete(params['id']!)
        return { body: { deleted: params['id'] } }
      },
    },
    {
      // The audit trail: every permission request and its resolution (who, what, when, scope).
      method: 'GET',
      path: '/sessions/:id/permissions',
      handle: ({ params, url }) => {
        const session = sessions.get(params['id']!)
        const after = parseCursor(url.searchParams.get('after') ?? '0', log.lastSeq(session.id)) ?? 0
        const limit = parseLimit(url.searchParams.get('limit'))
        const events = log.readTypes(session.id, ['permission_request', 'permission_resolved'], after, limit)
        return { body: { events: events.map((e) => ({ ...(JSON.parse(e.text) as object), at: new Date(e.at).toISOString() })) } }
      },
    },
    {
      method: 'GET',
      path: '/sessions/:id/events',
      handle: ({ params, url }) => {
        const session = sessions.get(params['id']!)
        const lastSeq = log.lastSeq(session.id)
        const after = parseCursor(url.searchParams.get('after') ?? '0', lastSeq) ?? 0
        const limit = parseLimit(url.searchParams.get('limit'))
        const events = log.read(session.id, after, limit).map((e) => JSON.parse(e.text) as unknown)
        const last = events.length > 0 ? after + events.length : after
        return { body: { events, lastSeq, hasMore: last < lastSeq } }
      },
    },
  ]
}
