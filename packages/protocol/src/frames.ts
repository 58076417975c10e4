// Every WebSocket frame, in both directions. Names live in one constant map.
import { z } from 'zod'
import { ControlFrameSchema, ControlResponseFrameSchema } from './control.js'
import { ReceivedErrorCodeSchema, type ReceivedErrorCode } from './errors.js'
import { PermissionRequestFrameSchema, PermissionResolvedFrameSchema, PermissionResponseFrameSchema } from './permissions.js'
import { SdkMessageSchema } from './sdk-messages.js'
import { SessionStateSchema } from './sessions.js'
import { UserMessageSchema } from './user-message.js'

export const FRAME = {
  // client -> server
  userMessage: 'user_message',
  interrupt: 'interrupt',
  permissionResponse: 'permission_response',
  control: 'control',
  // server -> client
  connected: 'connected',
  sdkMessage: 'sdk_message',
  error: 'error',
  info: 'info',
  sessionState: 'session_state',
  permissionRequest: 'permission_request',
  permissionResolved: 'permission_resolved',
  controlResponse: 'control_response',
} as const

/** The per-session sequence number of an event; frames not in the session's log have none. */
const Seq = z.number().int().nonnegative().optional()

// ---- client -> server ----
export const UserMessageFrameSchema = z.object({
  type: z.literal(FRAME.userMessage),
  data: UserMessageSchema,
})
export const InterruptFrameSchema = z.object({ type: z.literal(FRAME.interrupt) })

export const ClientFrameSchema = z.union([UserMessageFrameSchema, InterruptFrameSchema, PermissionResponseFrameSchema, ControlFrameSchema])
export type ClientFrame = z.infer<typeof ClientFrameSchema>
export type UserMessageFrame = z.infer<typeof UserMessageFrameSchema>
export type InterruptFrame = z.infer<typeof InterruptFrameSchema>

// ---- server -> client ----
export const ConnectedFrameSchema = z.object({
  type: z.literal(FRAME.connected),
  /** The session this connection is attached to (`default` on /ws). */
  sessionId: z.string().optional(),
  /** True when the server runs its offline demo model because no credential is configured. */
  demo: z.boolean().optional(),
  /** The session's latest sequence number when this connection attached. */
  lastSeq: z.number().int().nonnegative().optional(),
  /** Events after this sequence number follow (replay, then live). */
  after: z.number().int().nonnegative().optional(),
  /** The largest frame (UTF-8 bytes) this connection takes; a larger one is FRAME_TOO_LARGE. */
  maxFrameBytes: z.number().int().positive().optional(),
})
export const SdkMessageFrameSchema = z.object({
  type: z.literal(FRAME.sdkMessage),
  /** The SDK message, unchanged. */
  data: SdkMessageSchema,
  seq: Seq,
})
export const ErrorFrameSchema = z.object({
  type: z.literal(FRAME.error),
  error: z.string(),
  /** One of ERROR_CODES; clients accept codes a newer server may add. */
  code: ReceivedErrorCodeSchema as z.ZodType<ReceivedErrorCode>,
  data: z.unknown().optional(),
  seq: Seq,
})
export const INFO_SOURCES = ['server', 'cli_stderr'] as const
export const InfoFrameSchema = z.object({
  type: z.literal(FRAME.info),
  message: z.string(),
  /** `cli_stderr`: a line the Claude Code CLI wrote to stderr; `server`: a notice from us. */
  source: z.enum(INFO_SOURCES),
  seq: Seq,
})

export const SessionStateFrameSchema = z.object({
  type: z.literal(FRAME.sessionState),
  state: SessionStateSchema,
  seq: Seq,
})

export const ServerFrameSchema = z.discriminatedUnion('type', [
  ConnectedFrameSchema,
  SdkMessageFrameSchema,
  ErrorFrameSchema,
  InfoFrameSchema,
  SessionStateFrameSchema,
  PermissionRequestFrameSchema,
  PermissionResolvedFrameSchema,
  ControlResponseFrameSchema,
])
export type ServerFrame = z.infer<typeof ServerFrameSchema>
export type ConnectedFrame = z.infer<typeof ConnectedFrameSchema>
export type SdkMessageFrame = z.infer<typeof SdkMessageFrameSchema>
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>
export type InfoFrame = z.infer<typeof InfoFrameSchema>
export type SessionStateFrame = z.infer<typeof SessionStateFrameSchema>

/** Each client frame type's schema: parsing picks by `type`, so errors name the real field. */
export const CLIENT_FRAME_SCHEMAS: Record<ClientFrame['type'], z.ZodType<ClientFrame>> = {
  [FRAME.userMessage]: UserMessageFrameSchema,
  [FRAME.interrupt]: InterruptFrameSchema,
  [FRAME.permissionResponse]: PermissionResponseFrameSchema,
  [FRAME.control]: ControlFrameSchema,
}
export const CLIENT_FRAME_TYPES = Object.keys(CLIENT_FRAME_SCHEMAS) as Array<ClientFrame['type']>
export const SERVER_FRAME_TYPES = ServerFrameSchema.options.map((o) => o.shape.type.value)
export const SERVER_FRAME_SCHEMAS = Object.fromEntries(ServerFrameSchema.options.map((o) => [o.shape.type.value, o])) as unknown as Record<
  ServerFrame['type'],
  z.ZodType<ServerFrame>
>

/** The sequence number of a server frame, if it is a logged session event. */
export function frameSeq(frame: ServerFrame): number | undefined {
  return 'seq' in frame ? frame.seq : undefined
}
