// A session's turns: one at a time, in order, each ended exactly once: by its result, by its
// CLI ending, or by the turn watch when the CLI will not end it. Holds the prompt queue and
// drives the agent supervisor; what happens is told through the session's Reporter.
import { isResultMessage, type ErrorCode, type SdkMessage, type SessionState, type UserMessage } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { EventFrame } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import { turnResultUsage } from '../metrics/metrics.js'
import type { AgentSupervisor } from './agent-supervisor.js'
import { nextPromptResumes } from './next-prompt.js'
import type { Turn } from './run-state.js'
import { describeBudgetRefusal, describeTurnFailure } from './turn-failure.js'
import type { TurnQueue } from './turn-queue.js'
import { TurnWatch, type StallReason } from './turn-watch.js'

/** How turns tell the session's clients what happened. */
export interface Reporter {
  emit(frame: EventFrame): void
  /** An error event; the text is scrubbed. */
  emitError(code: ErrorCode, text: string, data?: unknown): void
  setState(state: SessionState): void
  /** Stores `state` as the session's (what a restart reads) without telling anyone yet; the
   * setState that follows tells, or stores what it sets instead. */
  storeState(state: SessionState): void
  /** Scrubs an error's message for clients. */
  describe(err: unknown): string
  /** Stops waiting for answers to tool calls: the CLI that asked is going. */
  cancelPermissions(): void
  /** A permission request is open: a person, not the CLI, is being waited for. */
  waitingForPerson(): boolean
  /** The CLI is idle: it may be released now (no client attached). */
  becameIdle(): void
}

export interface TurnsOptions {
  sessionId: string
  queue: TurnQueue
  agent: AgentSupervisor
  report: Reporter
  logger: Logger
  /** Starts the CLI when none runs (throws when it cannot: a ServerError names why). */
  ensureAgent: () => void
  turnSilenceTimeoutMs: number
  interruptTimeoutMs: number
}

export class Turns {
  private readonly watch: TurnWatch

  constructor(private readonly options: TurnsOptions) {
    this.watch = new TurnWatch({
      silenceMs: options.turnSilenceTimeoutMs,
      interruptMs: options.interruptTimeoutMs,
      waitingForPerson: () => options.report.waitingForPerson(),
      onStall: (reason) => this.onStall(reason),
    })
  }

  get running(): Turn | undefined {
    return this.options.agent.turn
  }

  /** Rejects with DUPLICATE_PROMPT, or SESSION_NOT_FOUND once the session is deleted. */
  async prompt(message: UserMessage): Promise<void> {
    if (this.options.agent.state.kind === 'closed')
      throw new ServerError('SESSION_NOT_FOUND', `Session "${this.options.sessionId}" was deleted`)
    // Refused before it is queued (nothing recorded): a resend once a turn has ended runs it.
    this.options.agent.checkCapacity()
    await this.options.queue.add(message)
    this.startNext()
  }

  /** Starts the next queued prompt when no turn runs. Reached from the CLI's message loop
   * too, so it never throws: a prompt whose CLI cannot start fails, the session stays usable. */
  startNext(): void {
    const { agent, queue, report } = this.options
    if (agent.state.kind === 'turn' || agent.state.kind === 'closed') return
    const next = queue.take()
    if (!next) return
    try {
      this.options.ensureAgent()
    } catch (err) {
      if (err instanceof ServerError && err.code === 'AGENT_CAPACITY') return this.refuseForCapacity(next, err)
      report.emitError('AGENT_START_FAILED', startFailure(err, report))
      report.setState('failed')
      return
    }
    const run = agent.agent!.run
    const turn = agent.beginTurn(next.uuid)
    this.watch.begin(next.uuid)
    // Its uuid is durable before the CLI can run it: a resend after a crash runs nothing twice.
    // The stored state says `running` from the same commit on, though clients hear it only once
    // the prompt is written: a kill in between is then an interrupted turn after the restart,
    // not a prompt whose resend is a duplicate with no result ever coming.
    report.storeState('running')
    queue.started(next).then(
      () => {
        if (agent.turn !== turn) return
        run.send(next)
        // The SDK writes the prompt to the CLI's stdin a few microtasks from now: the state change
        // (a log append and a send to every client) waits until it has, so the CLI starts first.
        // Nothing the CLI answers can arrive before this runs.
        setImmediate(() => {
          if (agent.turn === turn) report.setState('running')
        })
      },
      (err: unknown) => this.notRecorded(turn, next, err),
    )
  }

  /** The cap took the last CLI between the prompt's admission and its start: it and the prompts
   * queued behind it do not run (none was recorded, so each may be sent again); the state stays. */
  private refuseForCapacity(next: UserMessage, err: ServerError): void {
    const refused = [next]
    let queued: UserMessage | undefined
    while ((queued = this.options.queue.take())) refused.push(queued)
    for (const message of refused) {
      const data = message.uuid === undefined ? err.data : { ...(err.data as object), uuid: message.uuid }
      this.options.report.emitError('AGENT_CAPACITY', err.message, data)
    }
  }

  /** The prompt's uuid could not be stored: it does not run (a resend may). */
  private notRecorded(turn: Turn, message: UserMessage, err: unknown): void {
    const { agent, report } = this.options
    if (agent.turn !== turn) return
    this.options.logger.error(`could not record prompt ${message.uuid}: ${report.describe(err)}`)
    this.watch.end()
    agent.endTurn()
    report.emitError('STORE_FAILED', `Prompt ${message.uuid} could not be recorded, so it did not run`, { uuid: message.uuid })
    report.setState('idle')
    this.startNext()
  }

  /** Every message of the live CLI, token events too, before it is relayed. */
  observe(message: SdkMessage): void {
    this.watch.observe(message)
  }

  /** A relayed message: a result ends the turn. The type is looked at before any parse. */
  settle(message: SdkMessage): void {
    if (message.type !== 'result' || !isResultMessage(message)) return
    const turn = this.options.agent.turn
    if (!turn) return
    turnResultUsage(message)
    this.watch.end()
    if (message.is_error && !turn.interrupting && turn.budgetRefusal) {
      // The CLI stays: raising the budget lets the next prompt go on with it.
      const refused = describeBudgetRefusal(turn.budgetRefusal)
      this.options.report.emitError('BUDGET_EXCEEDED', refused.message, refused.data)
    } else if (message.is_error && !turn.interrupting) {
      const failure = describeTurnFailure(message.subtype, message.result, turn.modelFailure)
      this.options.report.emitError('TURN_FAILED', failure.message, failure.data)
      turn.after = 'failed'
    }
    this.options.agent.endTurn()
    if (turn.after !== 'keep') this.stopAgent(turn.after)
    if (this.options.queue.length > 0) this.startNext()
    else if (this.options.agent.agent) {
      this.options.report.setState('idle')
      this.options.report.becameIdle()
    }
  }

  /** Interrupt the turn in progress. Resolves false when there was none. The turn ends either
   * way: a CLI that does not end it within interruptTimeoutMs is stopped (TURN_STALLED). */
  async interrupt(): Promise<boolean> {
    const { agent, report } = this.options
    const turn = agent.turn
    const run = agent.agent?.run
    if (!turn || !run) return false
    turn.interrupting = true
    this.watch.interrupting()
    let bound: NodeJS.Timeout | undefined
    try {
      // A wedged CLI may never answer the request itself: wait no longer than the bound.
      await Promise.race([run.interrupt(), new Promise((r) => (bound = setTimeout(r, this.options.interruptTimeoutMs)))])
    } catch (err) {
      if (agent.turn === turn) report.emitError('TURN_FAILED', `Interrupt failed: ${report.describe(err)}`)
    } finally {
      clearTimeout(bound)
    }
    return true
  }

  /** A change the live CLI refused: it takes a fresh CLI, at once when idle, else after the turn. */
  restartForChange(): void {
    const turn = this.options.agent.turn
    if (turn) {
      if (turn.after === 'keep') turn.after = 'suspended'
    } else this.stopAgent('suspended')
  }

  /** The CLI ended on its own (crash, kill, failed start). */
  onExit({ failure, turn, started }: { failure: unknown; turn: Turn | undefined; started: boolean }): void {
    const { report } = this.options
    this.watch.end()
    const failed = failure !== undefined || turn !== undefined
    if (failed) {
      const why = failure !== undefined ? report.describe(failure) : 'the process ended before answering'
      const code: ErrorCode = started ? 'AGENT_EXITED' : 'AGENT_START_FAILED'
      const message = started
        ? `The Claude Code process exited: ${why}. The next prompt restarts it and ${nextPromptResumes(this.options.agent.lastConfig)}.`
        : `The Claude Code process could not start: ${why}`
      this.options.logger.warn(message)
      report.emitError(code, message)
    }
    report.setState(failed ? 'failed' : 'suspended')
    this.startNext()
  }

  /** Stop without a chance to finish: a turn still running is recorded as interrupted. */
  stop(reason: string): void {
    const queued = this.options.queue.clear()
    if (this.running || queued > 0) {
      const note = queued > 0 ? ` (${queued} queued prompt(s) were not run)` : ''
      this.options.report.emitError('INTERRUPTED_BY_RESTART', `The turn was interrupted: ${reason}${note}`)
    }
    this.stopAgent('suspended')
  }

  /** Releases the CLI (a turn it ran is over) and reports the session's next state. */
  stopAgent(next: SessionState): void {
    this.options.report.cancelPermissions()
    this.options.agent.stop()
    this.watch.end()
    this.options.report.setState(next)
  }

  /** The CLI will not end the running turn: end it here, stop that CLI (the next prompt
   * resumes the conversation in a fresh one, unless it kept no transcript) and take the next prompt. */
  private onStall(reason: StallReason): void {
    if (!this.running) return
    const why = {
      silent: `the Claude Code process sent nothing for ${this.options.turnSilenceTimeoutMs} ms while no tool ran`,
      no_result: 'the Claude Code process ended the turn without a result',
      interrupt_unanswered: `the Claude Code process did not end the turn within ${this.options.interruptTimeoutMs} ms of the interrupt`,
    }[reason]
    this.options.logger.warn(`turn stalled (${reason}); stopping its CLI`)
    this.options.report.emitError(
      'TURN_STALLED',
      `The turn was ended: ${why}. The next prompt ${nextPromptResumes(this.options.agent.lastConfig)}.`,
      { reason },
    )
    this.stopAgent(reason === 'interrupt_unanswered' ? 'suspended' : 'failed')
    this.startNext()
  }
}

export function startFailure(err: unknown, report: Pick<Reporter, 'describe'>): string {
  return err instanceof ServerError ? err.message : `The Claude Code process could not start: ${report.describe(err)}`
}
