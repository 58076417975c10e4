// Live control of a session: each `control` frame gets exactly one `control_response` (to the
// connection that sent it), carrying the request's `id`.
import { z } from 'zod'
import { PermissionModeSchema } from './config.js'
import { WireErrorSchema } from './errors.js'
import { OsStringSchema } from './os-string.js'

export const ControlRequestSchema = z.discriminatedUnion('subtype', [
  z.object({ subtype: z.literal('set_permission_mode'), mode: PermissionModeSchema }),
  // Kept in the session's config: the next CLI start passes it on the command line.
  z.object({ subtype: z.literal('set_model'), model: OsStringSchema.min(1).optional() }),
  z.object({ subtype: z.literal('interrupt') }),
  z.object({ subtype: z.literal('list_commands') }),
  z.object({ subtype: z.literal('list_models') }),
  z.object({ subtype: z.literal('list_mcp_servers') }),
])
export type ControlRequest = z.infer<typeof ControlRequestSchema>
export const CONTROL_SUBTYPES = ControlRequestSchema.options.map((o) => o.shape.subtype.value)

/** Client -> server. */
export const ControlFrameSchema = z.object({
  type: z.literal('control'),
  /** Chosen by the client; echoed in the response. */
  id: z.string().min(1).max(128),
  request: ControlRequestSchema,
})
export type ControlFrame = z.infer<typeof ControlFrameSchema>

/** Server -> the requesting client only (not logged). */
export const ControlResponseFrameSchema = z.object({
  type: z.literal('control_response'),
  id: z.string(),
  ok: z.boolean(),
  /** What the SDK returned (commands, models, MCP server status), when ok. */
  result: z.unknown().optional(),
  /** Why it failed, when not ok. */
  error: WireErrorSchema.optional(),
})
export type ControlResponseFrame = z.infer<typeof ControlResponseFrameSchema>
