// Error codes shared by HTTP responses and WebSocket `error` frames.
// Tests and clients branch on `code`; `error` is the human message and may change.
import { z } from 'zod'

export const ERROR_CODES = [
  // Input the server could not accept (the connection stays usable).
  'BAD_JSON', // a frame or body that is not JSON
  'INVALID_FRAME', // a frame with a missing or wrongly typed field
  'UNKNOWN_FRAME_TYPE', // a frame whose `type` the server does not know
  'FRAME_TOO_LARGE', // a WebSocket frame over the size limit
  'INVALID_CONFIG', // a config body that fails validation (the field is named)
  'BODY_TOO_LARGE', // an HTTP body over the size limit
  'UNAUTHORIZED', // a missing or wrong bearer token, or a JWT that does not verify (data.reason)
  'FORBIDDEN', // the principal sees the session (or route) but its role may not take this action
  'ORIGIN_NOT_ALLOWED', // a request from a web page on another origin (not the server's, not in ALLOWED_ORIGINS), or an open server asked under a host name that is not loopback (HTTP 403)
  'NOT_FOUND', // no such route
  'METHOD_NOT_ALLOWED', // the route exists, the method does not
  'SESSION_NOT_FOUND', // no session with that id (or it was deleted)
  'TOKEN_NOT_FOUND', // revoking a run-time token id that does not exist (or was revoked)
  'SESSION_EXISTS', // creating a session with an id already in use
  'INVALID_CURSOR', // a replay cursor (`after`) that is not an integer in 0..lastSeq
  'INVALID_REQUEST', // a request body or query that fails validation (fields named in data.issues)
  'MALFORMED_REQUEST', // bytes the HTTP parser cannot read: a bad method, conflicting lengths, not HTTP
  'HEADERS_TOO_LARGE', // request headers over the parser's limit (HTTP 431)
  'REQUEST_TIMEOUT', // the request did not arrive in time (HTTP 408)
  'INVALID_HANDSHAKE', // a WebSocket upgrade with a missing or bad Upgrade / Sec-WebSocket-* header
  'SLOW_CONSUMER', // a client fell too far behind; reconnect with `after` to catch up
  'SHUTTING_DOWN', // the server is stopping and takes no new prompts
  'DUPLICATE_PROMPT', // a user_message whose uuid this session already took (safe resend)
  // The agent (SDK + CLI) failed; the session recovers on the next prompt.
  'AGENT_START_FAILED', // the CLI could not be started or exited before it was ready
  'AGENT_EXITED', // the CLI process ended unexpectedly while the session was live
  'TURN_FAILED', // a turn ended with an error result (API error, max turns, ...)
  'NOTHING_TO_INTERRUPT', // an interrupt arrived while no turn was running
  'PERMISSION_NOT_PENDING', // an answer to a permission request that is resolved or unknown
  'CONTROL_FAILED', // a control request the CLI rejected or could not run
  'INTERRUPTED_BY_RESTART', // the server stopped (crash, kill, shutdown) while a turn ran
  'TURN_STALLED', // the CLI would not end a turn (silent, no result, interrupt unanswered): the server ended it (data.reason)
  'QUEUE_FULL', // a session already has MAX_QUEUED_PROMPTS prompts waiting: this one was not queued nor recorded (data: limit, uuid); resend once some have run
  'AGENT_CAPACITY', // the server runs as many CLIs as MAX_RUNNING_AGENTS allows and every one is busy: the prompt was not taken (HTTP 503; data: limit, running); retry once a turn has ended
  'BUDGET_EXCEEDED', // a session's or its principal's spending cap is reached: the model gateway refused the turn's next model request (data: scope, id, spentUsd, limitUsd)
  'STORE_FAILED', // the server's database refused or could not take a write: the event or prompt it concerns was not recorded (nor sent); or a request needed the database while it was down or silent past DATABASE_QUERY_TIMEOUT_MS, or a write's COMMIT went unanswered and nobody could say how it ended (HTTP 503; retry shortly); details in the server log
  'INTERNAL', // anything unexpected; details stay in the server log
  // A cluster of servers (docs/cluster.md).
  'LEASE_LOST', // the session's lease moved to another node: this node stopped it and wrote nothing more; reconnect (any node forwards to the owner)
  'CLUSTER_FULL', // every node runs as many sessions as CLUSTER_MAX_SESSIONS allows (HTTP 503)
  'NODE_UNREACHABLE', // the node that owns the session did not answer a forwarded request (HTTP 502); retry shortly: another node takes its sessions over once its lease expires
  // Files and commands (docs/files.md).
  'PATH_OUTSIDE_WORKSPACE', // a path that is absolute, climbs out with `..`, or reaches outside through a symlink
  'FILE_NOT_FOUND', // no entry at that path (or a parent is missing)
  'FILE_EXISTS', // mkdir of a path that exists (without `parents`, or as a non-directory)
  'NOT_A_DIRECTORY', // a directory was needed (list, watch, a path's parent, an exec cwd)
  'IS_A_DIRECTORY', // a file was needed (read, write)
  'DIRECTORY_NOT_EMPTY', // deleting a non-empty directory without `recursive`
  'EXEC_FAILED', // the command could not be started (data.errno: ENOENT, EACCES, ...)
  'WORKSPACE_FULL', // a write that would take the session's directory over its size limit (HTTP 413; data: usedBytes, limitBytes)
  'WATCH_FAILED', // the watcher could not watch (e.g. the system's inotify limit); the socket closes
] as const

export const ErrorCodeSchema = z.enum(ERROR_CODES)
export type ErrorCode = z.infer<typeof ErrorCodeSchema>

/** A code as received: one of ERROR_CODES, or one a newer server added (clients must not choke). */
export const ReceivedErrorCodeSchema = z.union([ErrorCodeSchema, z.string()])
export type ReceivedErrorCode = ErrorCode | (string & {})

/** The body of every HTTP error response, and the payload of a WebSocket `error` frame. */
export const WireErrorSchema = z.object({
  /** Human-readable message. Never contains a secret. */
  error: z.string(),
  code: ReceivedErrorCodeSchema as z.ZodType<ReceivedErrorCode>,
  /** Optional structured detail, e.g. the offending field's path. */
  data: z.unknown().optional(),
})
export type WireError = z.infer<typeof WireErrorSchema>
