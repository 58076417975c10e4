// The prompts waiting for the turn before them. The CLI merges prompts queued behind a running
// turn, so the session feeds it one at a time and every prompt gets exactly one result. A
// resend (after a dropped connection or a restart) runs nothing twice: its uuid is queued here,
// or the store has it from the turn that ran it (the CLI would answer it with no result).
import type { UserMessage } from '@claude-agent/protocol'
import type { PromptLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'

export class TurnQueue {
  private readonly waiting: UserMessage[] = []
  private held = false

  constructor(
    private readonly sessionId: string,
    private readonly prompts: PromptLog,
  ) {}

  get length(): number {
    return this.waiting.length
  }

  /** Throws DUPLICATE_PROMPT for a uuid this session has queued or run. */
  add(message: UserMessage): void {
    const { uuid } = message
    if (uuid !== undefined && (this.waiting.some((q) => q.uuid === uuid) || this.prompts.hasPrompt(this.sessionId, uuid))) {
      throw new ServerError('DUPLICATE_PROMPT', `Prompt ${uuid} was already received; it runs once`, { uuid })
    }
    this.waiting.push(message)
  }

  /** The next prompt, unless none waits or the queue is held. */
  take(): UserMessage | undefined {
    return this.held ? undefined : this.waiting.shift()
  }

  /** The prompt is about to reach the CLI: durable first. A prompt that never started (queued
   * at a restart, or its CLI failed to start) may be sent again. */
  started(message: UserMessage): void {
    if (message.uuid !== undefined) this.prompts.rememberPrompt(this.sessionId, message.uuid)
  }

  /** Start no further turns (server shutdown); what waits stays, to be reported. */
  hold(): void {
    this.held = true
  }

  /** Drops every waiting prompt; returns how many there were. */
  clear(): number {
    return this.waiting.splice(0).length
  }
}
