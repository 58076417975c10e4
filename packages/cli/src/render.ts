// Session frames as a person reads them: text as it streams in (partial messages), each tool
// call as one line with its result under it, errors and the end of a turn. Used by chat,
// attach, logs and run (without --json).
import { isAssistantMessage, isResultMessage, type SdkResultMessage, type ServerFrame } from '@claude-agent/protocol'
import { printable } from './scrub.js'
import type { Style } from './style.js'
import { editDiff, oneLine, resultLines, toolCall, toolResultText } from './tools.js'

export interface RenderOptions {
  style: Style
  write(text: string): void
  /** Show the CLI's stderr lines and other debug detail. */
  verbose?: boolean
}

export class Renderer {
  private atLineStart = true
  /** Assistant message ids whose text was shown as it streamed. */
  private readonly streamed = new Set<string>()
  private streamingId: string | undefined
  /** Tool names by tool_use id, to label their results. */
  private readonly tools = new Map<string, string>()
  totalCostUsd = 0
  private state: string | undefined

  /** No agent process runs: the next turn starts the CLI first, which takes a moment. */
  get cold(): boolean {
    return this.state === 'suspended' || this.state === 'failed'
  }

  constructor(private readonly options: RenderOptions) {}

  frame(frame: ServerFrame): void {
    const { style } = this.options
    if (frame.type === 'sdk_message') this.sdkMessage(frame.data as Record<string, unknown>)
    else if (frame.type === 'error') this.line(style.red(printable(`error ${frame.code}: ${frame.error}`)))
    else if (frame.type === 'session_state') this.state = frame.state
    else if (frame.type === 'info' && (frame.source === 'server' || this.options.verbose))
      this.line(style.dim(printable(`[${frame.source}] ${frame.message}`)))
  }

  /** Text that belongs on its own line, after whatever streamed before it. */
  line(text: string): void {
    this.newline()
    this.options.write(`${text}\n`)
    this.atLineStart = true
  }

  newline(): void {
    if (!this.atLineStart) this.options.write('\n')
    this.atLineStart = true
  }

  /** Model text, streamed or whole. */
  private text(raw: string): void {
    const text = printable(raw)
    if (!text) return
    this.options.write(text)
    this.atLineStart = text.endsWith('\n')
  }

  private sdkMessage(message: Record<string, unknown>): void {
    if (message['type'] === 'stream_event') return this.streamEvent(message['event'] as Record<string, unknown>)
    if (message['type'] === 'user') return this.toolResults(message)
    if (isAssistantMessage(message as never)) return this.assistant(message as never)
    if (isResultMessage(message as never)) return this.result(message as SdkResultMessage)
    if (message['type'] === 'system' && message['subtype'] === 'api_retry') {
      const retry = printable(`${String(message['attempt'])}/${String(message['max_retries'])}`)
      this.line(this.options.style.yellow(`model API call failed; retry ${retry}`))
    }
  }

  private streamEvent(event: Record<string, unknown>): void {
    if (event['type'] === 'message_start') {
      const id = (event['message'] as { id?: unknown } | undefined)?.id
      this.streamingId = typeof id === 'string' ? id : undefined
    } else if (event['type'] === 'content_block_delta') {
      const delta = event['delta'] as { type?: string; text?: string } | undefined
      if (delta?.type !== 'text_delta' || typeof delta.text !== 'string') return
      if (this.streamingId) this.streamed.add(this.streamingId)
      this.text(delta.text)
    }
  }

  private assistant(message: { message: { id: string; content: Array<Record<string, unknown>> } }): void {
    const { style } = this.options
    const wasStreamed = this.streamed.has(message.message.id)
    for (const block of message.message.content) {
      if (block['type'] === 'text' && typeof block['text'] === 'string') {
        if (!wasStreamed) this.text(block['text'])
      } else if (block['type'] === 'tool_use') {
        const name = String(block['name'])
        this.tools.set(String(block['id']), name)
        this.line(`${style.cyan('⏺')} ${style.bold(toolCall(name, block['input']))}`)
        for (const l of editDiff(name, block['input'], style)) this.line(`    ${l}`)
      }
    }
  }

  private toolResults(message: Record<string, unknown>): void {
    const content = (message['message'] as { content?: unknown } | undefined)?.content
    if (!Array.isArray(content)) return
    for (const block of content as Array<Record<string, unknown>>) {
      if (block['type'] !== 'tool_result') continue
      const lines = resultLines(toolResultText(block['content']))
      const paint = block['is_error'] ? this.options.style.red : this.options.style.dim
      lines.forEach((l, i) => this.line(paint(`${i === 0 ? '  ⎿ ' : '    '}${l}`)))
    }
  }

  private result(result: SdkResultMessage): void {
    const { style } = this.options
    this.totalCostUsd += result.total_cost_usd ?? 0
    this.newline()
    if (result.is_error)
      this.line(style.red(`✗ the turn failed (${result.subtype})${result.result ? `: ${oneLine(result.result, 200)}` : ''}`))
  }
}
