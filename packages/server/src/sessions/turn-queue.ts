// The prompts waiting for the turn before them. The CLI merges prompts queued behind a running
// turn, so the session feeds it one at a time and every prompt gets exactly one result. A
// resend (after a dropped connection or a restart) runs nothing twice: its uuid is queued here,
// or the store has it from the turn that ran it (the CLI would answer it with no result).
import type { UserMessage } from '@claude-agent/protocol'
import type { AppendFence, PromptLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'

/** Prompts a session holds waiting (queued or being admitted). Each is held in memory whole,
 * up to MAX_FRAME_BYTES: without a bound one client sending prompts faster than turns end
 * grows the server without end (150 prompts of 4 MiB: 145 -> 715 MB). */
export const MAX_QUEUED_PROMPTS = 64
/** Failed records remembered per session (the oldest forgotten first). */
const MAX_UNSENT = 1024

export class TurnQueue {
  private readonly waiting: UserMessage[] = []
  /** Prompts between add() and the queue (their duplicate check is under way). */
  private admitting = 0
  /** Uuids started by this process whose record may not be durable yet. */
  private readonly starting = new Set<string>()
  /** Uuids whose record failed, so they did not run, though a COMMIT that went unanswered may
   * have stored them: a resend runs (it would be refused as a duplicate of nothing). */
  private readonly unsent = new Set<string>()
  /** Admissions one at a time, so prompts queue in the order they came. */
  private admitted: Promise<void> = Promise.resolve()
  private held = false

  constructor(
    private readonly sessionId: string,
    private readonly prompts: PromptLog,
    /** The lease its prompts are recorded under (cluster mode); none: unfenced. */
    private readonly fence: () => AppendFence | undefined = () => undefined,
  ) {}

  get length(): number {
    return this.waiting.length
  }

  /** Queues the prompt; rejects with DUPLICATE_PROMPT for a uuid this session has queued or
   * run, QUEUE_FULL (nothing recorded: a resend later runs it) when MAX_QUEUED_PROMPTS wait. */
  add(message: UserMessage): Promise<void> {
    if (this.waiting.length + this.admitting >= MAX_QUEUED_PROMPTS) {
      return Promise.reject(
        new ServerError('QUEUE_FULL', `The session has ${MAX_QUEUED_PROMPTS} prompts waiting; send this one once some have run`, {
          limit: MAX_QUEUED_PROMPTS,
          ...(message.uuid !== undefined && { uuid: message.uuid }),
        }),
      )
    }
    this.admitting++
    const admission = this.admitted
      .then(async () => {
        if (message.uuid !== undefined && (await this.known(message.uuid))) {
          throw new ServerError('DUPLICATE_PROMPT', `Prompt ${message.uuid} was already received; it runs once`, { uuid: message.uuid })
        }
        this.waiting.push(message)
      })
      .finally(() => this.admitting--)
    this.admitted = admission.catch(() => {})
    return admission
  }

  /** The next prompt, unless none waits or the queue is held. */
  take(): UserMessage | undefined {
    return this.held ? undefined : this.waiting.shift()
  }

  /** The prompt is about to reach the CLI: resolves once its uuid is durable. A prompt that
   * never started (queued at a restart, or its CLI failed to start) may be sent again. */
  async started(message: UserMessage): Promise<void> {
    const { uuid } = message
    if (uuid === undefined) return
    this.starting.add(uuid)
    try {
      await this.prompts.rememberPrompt(this.sessionId, uuid, this.fence())
    } catch (err) {
      if (this.unsent.size >= MAX_UNSENT) this.unsent.delete(this.unsent.values().next().value!)
      this.unsent.add(uuid)
      throw err
    } finally {
      this.starting.delete(uuid)
    }
  }

  /** Start no further turns (server shutdown); what waits stays, to be reported. */
  hold(): void {
    this.held = true
  }

  /** Drops every waiting prompt; returns how many there were. */
  clear(): number {
    return this.waiting.splice(0).length
  }

  private async known(uuid: string): Promise<boolean> {
    if (this.waiting.some((q) => q.uuid === uuid) || this.starting.has(uuid)) return true
    // Recording it again is a no-op if the lost COMMIT did store it.
    if (this.unsent.delete(uuid)) return false
    return this.prompts.hasPrompt(this.sessionId, uuid)
  }
}
