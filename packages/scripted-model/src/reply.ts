// Turns a scripted Reply into the concrete assistant message the API would return:
// placeholders filled, tool_use ids generated, stop reason and usage decided.
import { randomBytes } from 'node:crypto'
import type { Reply, StopReason, Usage } from './scenario.js'

export type RenderedBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }

/** An assistant message ready to be sent as JSON or as SSE events. */
export interface RenderedMessage {
  id: string
  model: string
  content: RenderedBlock[]
  stopReason: StopReason
  usage: Required<Usage>
}

/** Values for the `{{name}}` placeholders. */
export interface Placeholders {
  prompt: string
  toolResult: string
}

/** Renders a content reply (callers handle `error` replies before this). */
export function renderReply(reply: Reply, model: string, values: Placeholders): RenderedMessage {
  const content: RenderedBlock[] = (reply.content ?? []).map((block) =>
    block.type === 'text'
      ? { type: 'text', text: fill(block.text, values) }
      : { type: 'tool_use', id: block.id ?? newId('toolu_01'), name: block.name, input: fillDeep(block.input, values) },
  )
  const hasToolUse = content.some((b) => b.type === 'tool_use')
  const chars = content.reduce((n, b) => n + (b.type === 'text' ? b.text.length : JSON.stringify(b.input).length), 0)
  return {
    id: newId('msg_01'),
    model,
    content,
    stopReason: reply.stopReason ?? (hasToolUse ? 'tool_use' : 'end_turn'),
    // Deterministic, roughly plausible numbers: enough for clients that show usage and cost.
    usage: {
      input_tokens: 10,
      output_tokens: Math.max(1, Math.ceil(chars / 4)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ...reply.usage,
    },
  }
}

/** The non-streaming JSON body for a rendered message. */
export function messageJson(message: RenderedMessage): Record<string, unknown> {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.content,
    stop_reason: message.stopReason,
    stop_sequence: null,
    usage: message.usage,
  }
}

/** An Anthropic-looking id: prefix plus 24 random base62-ish characters. */
export function newId(prefix: string): string {
  return prefix + randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')
}

function fill(text: string, values: Placeholders): string {
  return text.replaceAll('{{prompt}}', values.prompt).replaceAll('{{toolResult}}', values.toolResult)
}

function fillDeep<T>(value: T, values: Placeholders): T {
  if (typeof value === 'string') return fill(value, values) as T
  if (Array.isArray(value)) return value.map((v: unknown) => fillDeep(v, values)) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, values)])) as T
  }
  return value
}
