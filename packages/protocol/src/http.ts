// The bodies of the HTTP API's answers (the requests are in config.ts, sessions.ts, files.ts):
// the server builds them with these types and the client validates with these schemas.
import { z } from 'zod'
import { QueryConfigSchema } from './config.js'
import { ServerFrameSchema } from './frames.js'
import { PermissionRequestFrameSchema, PermissionResolvedFrameSchema } from './permissions.js'
import { SessionInfoSchema, SessionStateSchema } from './sessions.js'
import { PrincipalSchema } from './tenancy.js'

/** `GET /health`. `demo`: the default session answers from the offline demo model. */
export const HealthResponseSchema = z.object({ ok: z.literal(true), demo: z.boolean() })
export type HealthResponse = z.infer<typeof HealthResponseSchema>

/** One readiness check: `detail` says why it failed (or what it found). */
export const ReadyCheckSchema = z.object({ ok: z.boolean(), detail: z.string().optional() })
/** `GET /ready` (200 when every check passes, else 503): `dataDir` (takes a write), `sandbox`
 * (can start), `model` (the configured model endpoint accepts a connection; absent when none is). */
export const ReadyResponseSchema = z.object({ ok: z.boolean(), checks: z.record(z.string(), ReadyCheckSchema) })
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>

/** The agent process a session runs now: the config it started with (secrets redacted). */
export const RunInfoSchema = z.object({
  config: QueryConfigSchema,
  startedAt: z.string(),
  pid: z.number().int().optional(),
  resumed: z.boolean(),
})
export type RunInfo = z.infer<typeof RunInfoSchema>

/** Fields inside `agents` the SDK does not know, dropped from a posted config (absent: none). */
const DroppedSchema = z.array(z.string()).optional()

/** `POST /config`. */
export const PostConfigResponseSchema = z.object({
  success: z.literal(true),
  config: QueryConfigSchema,
  /** A running agent keeps its older config until its next start. */
  appliesAtNextStart: z.boolean(),
  demo: z.boolean(),
  dropped: DroppedSchema,
})
export type PostConfigResponse = z.infer<typeof PostConfigResponseSchema>

/** `GET /config`: the posted config and the default session's running agent (`run`, or null). */
export const GetConfigResponseSchema = z.object({
  config: QueryConfigSchema,
  session: z.object({ id: z.string(), state: SessionStateSchema, run: RunInfoSchema.nullable() }),
  demo: z.boolean(),
})
export type GetConfigResponse = z.infer<typeof GetConfigResponseSchema>

/** `POST /sessions` (201). */
export const CreateSessionResponseSchema = z.object({ session: SessionInfoSchema, dropped: DroppedSchema })
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>

/** `GET /sessions`. */
export const ListSessionsResponseSchema = z.object({ sessions: z.array(SessionInfoSchema) })
export type ListSessionsResponse = z.infer<typeof ListSessionsResponseSchema>

/** A session in the live list: its info and when its log last grew (absent: an empty log). */
export const LiveSessionSchema = SessionInfoSchema.extend({ lastEventAt: z.string().optional() })
export type LiveSession = z.infer<typeof LiveSessionSchema>

/** One line of `GET /sessions-live` (NDJSON): the sessions the caller may read, whole, each
 * time one of them changes (state, clients, last event, created, deleted), and who the caller
 * is (so a page can offer only what its role may do); `ping` keeps an idle connection open
 * through proxies. */
export const SessionsLiveLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sessions'), sessions: z.array(LiveSessionSchema), principal: PrincipalSchema }),
  z.object({ type: z.literal('ping') }),
])
export type SessionsLiveLine = z.infer<typeof SessionsLiveLineSchema>

/** A session and its running agent (`null` when none runs). */
export const SessionDetailsSchema = SessionInfoSchema.extend({
  run: RunInfoSchema.nullable(),
  /** Principals it is shared with as readers; shown to those who may share it (its owner, admins). */
  readers: z.array(z.string()).optional(),
})
export type SessionDetails = z.infer<typeof SessionDetailsSchema>

/** `GET /sessions/:id`. */
export const GetSessionResponseSchema = z.object({ session: SessionDetailsSchema })
export type GetSessionResponse = z.infer<typeof GetSessionResponseSchema>

/** `DELETE /sessions/:id`: the id that was deleted. */
export const DeleteSessionResponseSchema = z.object({ deleted: z.string() })
export type DeleteSessionResponse = z.infer<typeof DeleteSessionResponseSchema>

/** `GET /sessions/:id/events`: a page of the session's events, as the WebSocket delivered them. */
export const SessionEventsResponseSchema = z.object({
  events: z.array(ServerFrameSchema),
  /** The session's latest sequence number. */
  lastSeq: z.number().int().nonnegative(),
  /** More events follow: ask again with `after` set to the last event's `seq`. */
  hasMore: z.boolean(),
})
export type SessionEventsResponse = z.infer<typeof SessionEventsResponseSchema>

/** `GET /sessions/:id/permissions`: the approval audit trail, each event with when it happened. */
export const PermissionEventsResponseSchema = z.object({
  events: z.array(
    z.discriminatedUnion('type', [
      PermissionRequestFrameSchema.extend({ at: z.string() }),
      PermissionResolvedFrameSchema.extend({ at: z.string() }),
    ]),
  ),
})
export type PermissionEventsResponse = z.infer<typeof PermissionEventsResponseSchema>

/** Query parameters of the paged history endpoints. */
export const MAX_PAGE = 10_000
export const DEFAULT_PAGE = 1000
