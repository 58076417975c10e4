// The SDKUserMessage a client sends in a `user_message` frame. Only what the relay relies on
// is checked; content blocks pass through to the SDK unchanged.
import { z } from 'zod'

// A text block needs its text: the CLI takes one without and never answers, so the turn would
// stay open until the silence watchdog ends it.
export const ContentBlockSchema = z
  .looseObject({ type: z.string() })
  .refine((block) => block.type !== 'text' || typeof block['text'] === 'string', {
    path: ['text'],
    message: 'Invalid input: a text block needs a string text',
  })

export const UserMessageSchema = z.looseObject({
  type: z.literal('user'),
  /** Kept for compatibility with the original; the server's session decides the real id. */
  session_id: z.string().optional(),
  parent_tool_use_id: z.string().nullable().optional(),
  /** The prompt's own id (a UUID is usual): a resend with the same one runs once. Bounded, as it
   *  is stored and echoed in every answer about the prompt. */
  uuid: z.string().min(1).max(128).optional(),
  message: z.looseObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(ContentBlockSchema).min(1)]),
  }),
})
export type UserMessage = z.infer<typeof UserMessageSchema>
