// The Messages API request as the Claude Code CLI sends it, and the few facts the scripted
// model reads from it. Typed loosely on purpose: we only trust what we check here.

/** One content block of a request message (text, tool_result, image, ...). */
export interface RequestBlock {
  type: string
  text?: string
  [key: string]: unknown
}

/** One request message. The CLI also interleaves `role: 'system'` messages. */
export interface RequestMessage {
  role: string
  content: string | RequestBlock[]
}

/** The body of `POST /v1/messages`, with the fields the scripted model reads. */
export interface MessagesRequestBody {
  model: string
  messages: RequestMessage[]
  stream?: boolean
  max_tokens?: number
  tools?: unknown[]
  metadata?: { user_id?: string }
  output_config?: { format?: { type?: string; schema?: unknown } }
  [key: string]: unknown
}

/** Checks the shape we rely on; returns the body or a message saying what is wrong. */
export function parseMessagesBody(raw: unknown): MessagesRequestBody | string {
  if (!isObject(raw)) return 'body: expected a JSON object'
  if (typeof raw['model'] !== 'string') return 'model: expected a string'
  const messages = raw['messages']
  if (!Array.isArray(messages)) return 'messages: expected an array'
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || typeof m['role'] !== 'string') return `messages[${i}].role: expected a string`
    const content = m['content']
    if (typeof content !== 'string' && !(Array.isArray(content) && content.every(isObject))) {
      return `messages[${i}].content: expected a string or an array of blocks`
    }
  }
  return raw as MessagesRequestBody
}

/** The last `user` message; the CLI may put `system` messages after it. */
export function lastUserMessage(body: MessagesRequestBody): RequestMessage | undefined {
  return body.messages.findLast((m) => m.role === 'user')
}

function blocksOf(message: RequestMessage | undefined): RequestBlock[] {
  if (!message) return []
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content
}

/**
 * A follow-up request carries tool results for the previous reply; anything else is a new
 * prompt. Keyed on tool_result (not "has no text") so a reminder added next to a tool result
 * would not be taken for a new prompt.
 */
export function isFollowUp(message: RequestMessage | undefined): boolean {
  return blocksOf(message).some((b) => b.type === 'tool_result')
}

/** The user's prompt: the LAST text block (earlier ones are `<system-reminder>` text). */
export function promptOf(message: RequestMessage | undefined): string {
  const texts = blocksOf(message).filter((b) => b.type === 'text' && typeof b.text === 'string')
  return texts.at(-1)?.text ?? ''
}

/** The text of every tool result in the message, joined by newlines. */
export function toolResultTextOf(message: RequestMessage | undefined): string {
  const parts: string[] = []
  for (const block of blocksOf(message)) {
    if (block.type !== 'tool_result') continue
    const content = block['content']
    if (typeof content === 'string') parts.push(content)
    else if (Array.isArray(content)) {
      for (const c of content) if (isObject(c) && typeof c['text'] === 'string') parts.push(c['text'])
    }
  }
  return parts.join('\n')
}

/**
 * The conversation key: the `x-claude-code-session-id` header, else the session id the CLI
 * also puts in `metadata.user_id` (a JSON string), else undefined.
 */
export function sessionIdOf(headers: Record<string, string>, body: MessagesRequestBody): string | undefined {
  const header = headers['x-claude-code-session-id']
  if (header) return header
  const userId = body.metadata?.user_id
  if (typeof userId !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(userId)
    return isObject(parsed) && typeof parsed['session_id'] === 'string' ? parsed['session_id'] : undefined
  } catch {
    return undefined
  }
}

/** Identifies "the same request again" so a retry after an error reply can be recognised. */
export function signatureOf(body: MessagesRequestBody): string {
  return `${body.messages.length}:${JSON.stringify(lastUserMessage(body) ?? null)}`
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
