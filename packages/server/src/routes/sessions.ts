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
  type PermissionMode,
  type ResolvedLimits,
  type SessionConfig,
  type SessionEventsResponse,
} from '@claude-agent/protocol'
import { httpActor } from '../audit/actor.js'
import type { AuditLog } from '../audit/audit-log.js'
import { PAGE_MAX_SIZE, type EventLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { RouteModule } from '../http/http-app.js'
import { parseCursor, parseLimit } from '../http/query.js'
import { jsonResponse } from '../http/respond.js'
import type { Session } from '../sessions/session.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { raisedLimits } from '../sandbox/limits.js'
import { authorizeLimits, authorizeMode, authorizeSharedWorkspace, can } from '../tenancy/access.js'
import { principalOf } from '../tenancy/http-gate.js'
import type { SessionQuota } from '../tenancy/session-quota.js'

export interface SessionRoutesOptions {
  maxBodyBytes: number
  /** The permission modes members may create sessions with. */
  memberPermissionModes: readonly PermissionMode[]
  /** The server's session limits: only admins create sessions above them. */
  limitDefaults: () => ResolvedLimits
  /** How many sessions a member may own (MAX_SESSIONS_PER_PRINCIPAL). */
  quota: SessionQuota
  /** In a cluster: a session made here (this node takes its lease), one deleted (its lease goes). */
  created?: (id: string) => Promise<void>
  /** In a cluster: the lease of an id a create names, taken before the session is stored
   * (SESSION_EXISTS while another node holds it); resolves with what undoes it if the create fails. */
  claim?: (id: string) => Promise<(err: unknown) => Promise<void>>
  deleted?: (id: string) => Promise<void>
}

/** The mode a new session's CLI starts in (the manager's default for named sessions). */
const startMode = (config: SessionConfig | undefined): PermissionMode => config?.permissionMode ?? 'default'

// Access is decided before these handlers run (tenancy/http-gate.ts); they ask again only where
// the answer depends on more than the route: the mode, the list, whether readers are shown.
export function sessionRoutes(sessions: SessionManager, log: EventLog, audit: AuditLog, options: SessionRoutesOptions): RouteModule {
  return (app) => {
    app.post('/sessions', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      const body = c.req.header('content-length') === '0' ? {} : await readJsonBody(c)
      const parsed = CreateSessionRequestSchema.safeParse(body)
      if (!parsed.success) {
        const issues = describeIssues(parsed.error)
        throw new ServerError('INVALID_REQUEST', `Invalid session: ${summarizeIssues(issues)}`, { issues })
      }
      const principal = principalOf(c)
      authorizeMode(principal, startMode(parsed.data.config), options.memberPermissionModes)
      // The CLI runs a sub-agent in its own mode: one members may not use would skip approvals.
      for (const agent of Object.values(parsed.data.config?.agents ?? {}))
        if (agent.permissionMode !== undefined) authorizeMode(principal, agent.permissionMode, options.memberPermissionModes)
      authorizeLimits(principal, raisedLimits(parsed.data.config, options.limitDefaults()))
      const shared = parsed.data.config?.workspace?.shared
      if (shared !== undefined)
        authorizeSharedWorkspace(
          principal,
          shared,
          await sessions.sharedWorkspaceOwner(shared, principal.id, options.quota.limitFor(principal)),
        )
      const dropped = droppedAgentFields((body as { config?: unknown }).config, 'config.')
      const release = await options.quota.reserve(principal)
      let session: Session
      try {
        const undoClaim = parsed.data.id === undefined ? undefined : await options.claim?.(parsed.data.id)
        session = await sessions.create(parsed.data, principal.id).catch(async (err: unknown) => {
          await undoClaim?.(err)
          throw err
        })
      } finally {
        release()
      }
      await options.created?.(session.id)
      session.droppedConfigFields = dropped
      audit.record(httpActor(c), 'session_create', session.id, { shared })
      return jsonResponse<CreateSessionResponse>({ session: session.info(), ...(dropped.length > 0 && { dropped }) }, 201)
    })
    app.get('/sessions', async (c) => {
      const principal = principalOf(c)
      const visible = (await sessions.listAll()).filter((s) => can(principal, 'session.read', s.access) === 'allow')
      return jsonResponse<ListSessionsResponse>({ sessions: visible.map((s) => s.info()) })
    })
    app.get('/sessions/:id', (c) => {
      const session = sessions.get(c.req.param('id'))
      const readers = can(principalOf(c), 'session.share', session) === 'allow' ? { readers: [...session.readers] } : {}
      return jsonResponse<GetSessionResponse>({ session: { ...session.info(), run: session.activeRun, ...readers } })
    })
    app.delete('/sessions/:id', async (c) => {
      await sessions.delete(c.req.param('id'))
      await options.deleted?.(c.req.param('id'))
      audit.record(httpActor(c), 'session_delete', c.req.param('id'))
      return jsonResponse<DeleteSessionResponse>({ deleted: c.req.param('id') })
    })
    // The audit trail: every permission request and its resolution (who, what, when, scope).
    app.get('/sessions/:id/permissions', async (c) => {
      const session = sessions.get(c.req.param('id'))
      const after = parseCursor(c.req.query('after') ?? '0', session.lastSeq) ?? 0
      const limit = parseLimit(c.req.query('limit') ?? null)
      const events = await log.readTypes(session.id, ['permission_request', 'permission_resolved'], after, limit)
      const body = { events: events.map((e) => ({ ...(JSON.parse(e.text) as object), at: new Date(e.at).toISOString() })) }
      return jsonResponse(body as PermissionEventsResponse)
    })
    app.get('/sessions/:id/events', async (c) => {
      const session = sessions.get(c.req.param('id'))
      const lastSeq = session.lastSeq
      const after = parseCursor(c.req.query('after') ?? '0', lastSeq) ?? 0
      const limit = parseLimit(c.req.query('limit') ?? null)
      // Up to lastSeq: an event committed but not yet sent waits for the next page.
      const events = (await log.read(session.id, after, Math.min(limit, lastSeq - after), PAGE_MAX_SIZE)).map(
        (e) => JSON.parse(e.text) as SessionEventsResponse['events'][number],
      )
      const last = events.length > 0 ? after + events.length : after
      return jsonResponse<SessionEventsResponse>({ events, lastSeq, hasMore: last < lastSeq })
    })
  }
}
