// A session's events folded into what the page shows: user prompts, assistant messages (streamed
// token by token from partial messages, then replaced by the final message), tool calls with
// their results, subagent messages nested under the Task call that started them, a summary per
// turn, errors and notices. Pure data: the view re-renders from it after each change.
import type { ServerFrame } from '@claude-agent/client'

export type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; partialJson?: string }

export interface AssistantItem {
  kind: 'assistant'
  key: string
  /** Blocks of the final message(s) with this id. */
  final: Block[]
  /** Blocks as streamed so far (partial messages), by content index. */
  stream: Block[]
}
export interface TurnSummary {
  isError: boolean
  subtype: string
  durationMs?: number
  turns?: number
  inputTokens?: number
  outputTokens?: number
  costUsd?: number
  text?: string
}
export type Item =
  | { kind: 'user'; key: string; text: string }
  | AssistantItem
  | { kind: 'result'; key: string; summary: TurnSummary }
  | { kind: 'notice'; key: string; level: 'error' | 'info'; text: string }

export interface ToolResult {
  text: string
  isError: boolean
}

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {})
const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

export function blockOf(raw: unknown): Block | undefined {
  const b = obj(raw)
  if (b['type'] === 'text') return { type: 'text', text: str(b['text']) }
  if (b['type'] === 'thinking') return { type: 'thinking', text: str(b['thinking']) }
  if (b['type'] === 'tool_use' || b['type'] === 'server_tool_use' || b['type'] === 'mcp_tool_use')
    return { type: 'tool_use', id: str(b['id']), name: str(b['name']), input: obj(b['input']) }
  return undefined
}

/** A tool result's content as text (a string, or text blocks). */
export function resultText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((c) => (obj(c)['type'] === 'text' ? str(obj(c)['text']) : '[non-text content]')).join('\n')
  return ''
}

export class Conversation {
  /** Top-level items; a subagent's items live in `nested` under the Task tool_use id. */
  readonly items: Item[] = []
  readonly nested = new Map<string, Item[]>()
  readonly results = new Map<string, ToolResult>()
  /** Bumped on every change: the view's cue to render. */
  version = 0
  running = false
  costUsd = 0
  private readonly assistants = new Map<string, AssistantItem>()
  private streamingId: string | undefined
  private counter = 0
  /** Every frame folded in, in order: earlier ones are folded in before them by prepend(). */
  private readonly frames: ServerFrame[] = []

  apply(frame: ServerFrame): void {
    this.frames.push(frame)
    this.fold(frame)
  }

  /** Frames from before the first one applied (a long session's earlier part, loaded on
   * demand): everything is folded again from the start, as if they had come first. */
  prepend(earlier: ServerFrame[]): void {
    const later = this.frames.splice(0)
    this.items.length = 0
    this.nested.clear()
    this.results.clear()
    this.assistants.clear()
    this.streamingId = undefined
    this.running = false
    this.costUsd = 0
    for (const frame of [...earlier, ...later]) this.apply(frame)
  }

  private fold(frame: ServerFrame): void {
    if (frame.type === 'sdk_message') this.sdkMessage(obj(frame.data))
    else if (frame.type === 'error')
      this.push(undefined, { kind: 'notice', key: this.key(), level: 'error', text: `${frame.code}: ${frame.error}` })
    else if (frame.type === 'session_state') this.running = frame.state === 'running' || frame.state === 'waiting_for_approval'
    else return
    this.version++
  }

  /** The items shown under a Task tool call (its subagent's messages). */
  childrenOf(toolUseId: string): Item[] {
    return this.nested.get(toolUseId) ?? []
  }

  private key(): string {
    return `k${++this.counter}`
  }

  private push(parent: string | undefined, item: Item): void {
    if (!parent) return void this.items.push(item)
    const list = this.nested.get(parent) ?? []
    list.push(item)
    this.nested.set(parent, list)
  }

  private sdkMessage(m: Json): void {
    const parent = str(m['parent_tool_use_id']) || undefined
    if (m['type'] === 'stream_event') return this.streamEvent(obj(m['event']), parent)
    if (m['type'] === 'assistant') return this.assistant(obj(m['message']), parent)
    if (m['type'] === 'user') return this.user(obj(m['message']), parent)
    if (m['type'] === 'result') return this.result(m)
  }

  private assistantItem(id: string, parent: string | undefined): AssistantItem {
    let item = this.assistants.get(id)
    if (!item) {
      item = { kind: 'assistant', key: id || this.key(), final: [], stream: [] }
      this.assistants.set(id, item)
      this.push(parent, item)
    }
    return item
  }

  private streamEvent(event: Json, parent: string | undefined): void {
    if (event['type'] === 'message_start') {
      this.streamingId = str(obj(event['message'])['id'])
      this.assistantItem(this.streamingId, parent)
      return
    }
    const item = this.streamingId === undefined ? undefined : this.assistants.get(this.streamingId)
    if (!item) return
    const index = num(event['index']) ?? 0
    if (event['type'] === 'content_block_start') {
      const block = blockOf(event['content_block'])
      if (block) item.stream[index] = block
    } else if (event['type'] === 'content_block_delta') {
      const delta = obj(event['delta'])
      const block = item.stream[index]
      if (!block) return
      if (delta['type'] === 'text_delta' && block.type === 'text') block.text += str(delta['text'])
      else if (delta['type'] === 'thinking_delta' && block.type === 'thinking') block.text += str(delta['thinking'])
      else if (delta['type'] === 'input_json_delta' && block.type === 'tool_use')
        block.partialJson = (block.partialJson ?? '') + str(delta['partial_json'])
    }
  }

  private assistant(message: Json, parent: string | undefined): void {
    const item = this.assistantItem(str(message['id']), parent)
    const content = Array.isArray(message['content']) ? message['content'] : []
    for (const raw of content) {
      const block = blockOf(raw)
      if (block) item.final.push(block)
    }
  }

  private user(message: Json, parent: string | undefined): void {
    const content = message['content']
    if (typeof content === 'string') return this.push(parent, { kind: 'user', key: this.key(), text: content })
    if (!Array.isArray(content)) return
    const texts: string[] = []
    for (const raw of content) {
      const block = obj(raw)
      if (block['type'] === 'tool_result')
        this.results.set(str(block['tool_use_id']), { text: resultText(block['content']), isError: block['is_error'] === true })
      else if (block['type'] === 'text') texts.push(str(block['text']))
    }
    if (texts.length) this.push(parent, { kind: 'user', key: this.key(), text: texts.join('\n') })
  }

  private result(m: Json): void {
    // The turn is over: what was streamed and never finalized (an interrupt) stays as it was.
    for (const item of this.assistants.values()) if (item.final.length) item.stream = []
    this.streamingId = undefined
    const usage = obj(m['usage'])
    const cost = num(m['total_cost_usd'])
    if (cost !== undefined) this.costUsd += cost
    const summary: TurnSummary = {
      isError: m['is_error'] === true,
      subtype: str(m['subtype']),
      ...(num(m['duration_ms']) !== undefined && { durationMs: num(m['duration_ms']) }),
      ...(num(m['num_turns']) !== undefined && { turns: num(m['num_turns']) }),
      ...(num(usage['input_tokens']) !== undefined && { inputTokens: num(usage['input_tokens']) }),
      ...(num(usage['output_tokens']) !== undefined && { outputTokens: num(usage['output_tokens']) }),
      ...(cost !== undefined && { costUsd: cost }),
      ...(m['is_error'] === true && typeof m['result'] === 'string' && { text: m['result'] }),
    }
    this.push(undefined, { kind: 'result', key: this.key(), summary })
  }
}

/** What an assistant item shows now: the final blocks, then any streamed beyond them. */
export const shownBlocks = (item: AssistantItem): Block[] => [...item.final, ...item.stream.slice(item.final.length).filter(Boolean)]
