// The SDK messages relayed in `sdk_message` frames, typed as far as clients commonly read them.
// The relay never changes them; fields not named here pass through (loose objects), so a newer
// SDK's fields reach clients too. The protocol stays free of the SDK itself (zod only).
import { z } from 'zod'

const TextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() })
const ToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
})
const AnyBlockSchema = z.looseObject({ type: z.string() })

export const SdkSystemMessageSchema = z.looseObject({
  type: z.literal('system'),
  subtype: z.string(),
  session_id: z.string(),
})
export const SdkAssistantMessageSchema = z.looseObject({
  type: z.literal('assistant'),
  session_id: z.string(),
  parent_tool_use_id: z.string().nullable(),
  message: z.looseObject({
    id: z.string(),
    model: z.string().optional(),
    content: z.array(z.union([TextBlockSchema, ToolUseBlockSchema, AnyBlockSchema])),
  }),
})
export const SdkUserMessageEchoSchema = z.looseObject({
  type: z.literal('user'),
  session_id: z.string(),
  message: z.looseObject({ role: z.literal('user'), content: z.unknown() }),
})
export const SdkResultMessageSchema = z.looseObject({
  type: z.literal('result'),
  /** 'success' or an error subtype; check `is_error` too (an API failure can be 'success'). */
  subtype: z.string(),
  is_error: z.boolean(),
  session_id: z.string(),
  result: z.string().optional(),
  num_turns: z.number().optional(),
  duration_ms: z.number().optional(),
  total_cost_usd: z.number().optional(),
})
export const SdkStreamEventSchema = z.looseObject({
  type: z.literal('stream_event'),
  session_id: z.string(),
  event: z.looseObject({ type: z.string() }),
})

/** Any SDK message: at least a `type`. */
export const SdkMessageSchema = z.looseObject({ type: z.string() })

export type SdkSystemMessage = z.infer<typeof SdkSystemMessageSchema>
export type SdkAssistantMessage = z.infer<typeof SdkAssistantMessageSchema>
export type SdkUserMessageEcho = z.infer<typeof SdkUserMessageEchoSchema>
export type SdkResultMessage = z.infer<typeof SdkResultMessageSchema>
export type SdkStreamEvent = z.infer<typeof SdkStreamEventSchema>
export type SdkMessage = z.infer<typeof SdkMessageSchema>

// The type first: most messages are not the one asked about, and a parse costs far more.
export const isResultMessage = (m: SdkMessage): m is SdkResultMessage => m.type === 'result' && SdkResultMessageSchema.safeParse(m).success
export const isAssistantMessage = (m: SdkMessage): m is SdkAssistantMessage =>
  m.type === 'assistant' && SdkAssistantMessageSchema.safeParse(m).success
export const isSystemMessage = (m: SdkMessage): m is SdkSystemMessage => m.type === 'system' && SdkSystemMessageSchema.safeParse(m).success
export const isStreamEvent = (m: SdkMessage): m is SdkStreamEvent => m.type === 'stream_event' && SdkStreamEventSchema.safeParse(m).success

/** The concatenated text blocks of an assistant message. */
export function assistantText(m: SdkAssistantMessage): string {
  return m.message.content.map((b) => (b.type === 'text' && typeof b['text'] === 'string' ? b['text'] : '')).join('')
}
