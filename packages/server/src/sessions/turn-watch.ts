// No turn stays open without an end. The CLI normally ends each turn with a `result`; this
// notices the turns it will not end, so the session can end them itself:
// - silent: no message at all for `silenceMs` while no tool runs and no person is asked
//   (a hung API request, a wedged process);
// - no_result: the CLI reports the turn's command done without a result (it does so for a
//   prompt uuid its transcript already holds);
// - interrupt_unanswered: an interrupt was asked and the turn did not end within `interruptMs`.
import type { SdkMessage } from '@claude-agent/protocol'

export type StallReason = 'silent' | 'no_result' | 'interrupt_unanswered'

export interface TurnWatchOptions {
  /** 0 disables the silence watchdog. */
  silenceMs: number
  interruptMs: number
  /** A permission request is open: a person, not the CLI, is being waited for. */
  waitingForPerson: () => boolean
  onStall: (reason: StallReason) => void
}

type Block = { type?: unknown; id?: unknown; tool_use_id?: unknown }

function blocks(message: SdkMessage): Block[] {
  const content = (message['message'] as { content?: unknown } | undefined)?.content
  return Array.isArray(content) ? (content as Block[]) : []
}

export class TurnWatch {
  private running = false
  private uuid: string | undefined
  /** Tool calls asked for and not answered yet (subagents' included): tools may run long. */
  private readonly pendingTools = new Set<string>()
  private silenceTimer: NodeJS.Timeout | undefined
  private interruptTimer: NodeJS.Timeout | undefined

  constructor(private readonly options: TurnWatchOptions) {}

  /** A turn started for the prompt with this uuid (if it has one). */
  begin(uuid: string | undefined): void {
    this.end()
    this.running = true
    this.uuid = uuid
    this.armSilence()
  }

  /** Every message the CLI sends during the turn, token events included. */
  observe(message: SdkMessage): void {
    if (!this.running) return
    if (message.type === 'assistant') {
      for (const b of blocks(message)) if (b.type === 'tool_use' && typeof b.id === 'string') this.pendingTools.add(b.id)
    } else if (message.type === 'user') {
      for (const b of blocks(message))
        if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') this.pendingTools.delete(b.tool_use_id)
    } else if (this.isOwnCommandDone(message)) {
      // The CLI reports a command done only after its result; done first means no result comes.
      return this.stall('no_result')
    }
    this.armSilence()
  }

  /** An interrupt was asked: the turn must end within the bound, or it is ended for it. */
  interrupting(): void {
    if (!this.running || this.interruptTimer) return
    this.interruptTimer = setTimeout(() => this.stall('interrupt_unanswered'), this.options.interruptMs)
    this.interruptTimer.unref()
  }

  /** The turn ended (a result, the process ended, the session stopped it). */
  end(): void {
    this.running = false
    this.uuid = undefined
    this.pendingTools.clear()
    clearTimeout(this.silenceTimer)
    // A cleared timer cannot be refreshed: the next turn needs a new one.
    this.silenceTimer = undefined
    clearTimeout(this.interruptTimer)
    this.interruptTimer = undefined
  }

  // `command_lifecycle` is not in the SDK's types: when a CLI stops sending it, only this
  // early notice is lost; the silence watchdog still ends the turn.
  private isOwnCommandDone(message: SdkMessage): boolean {
    if (message.type !== 'command_lifecycle' || this.uuid === undefined) return false
    return message['command_uuid'] === this.uuid && (message['state'] === 'completed' || message['state'] === 'cancelled')
  }

  /** Restarts the silence bound: the turn's one timer, moved on by each message (token events
   * come dozens a turn; a new timer each was an allocation and two timer-list updates apiece). */
  private armSilence(): void {
    if (this.options.silenceMs <= 0) return
    if (this.silenceTimer) return void this.silenceTimer.refresh()
    this.silenceTimer = setTimeout(() => {
      // Fired: a new one follows if the turn is still busy.
      this.silenceTimer = undefined
      if (this.pendingTools.size > 0 || this.options.waitingForPerson()) this.armSilence()
      else this.stall('silent')
    }, this.options.silenceMs)
    this.silenceTimer.unref()
  }

  private stall(reason: StallReason): void {
    if (!this.running) return
    this.end()
    this.options.onStall(reason)
  }
}
