// A session is one Claude conversation. It owns at most one live agent run (a CLI process),
// starts it on demand, numbers every event through the log before clients see it, and
// recovers from any agent failure on the next prompt by resuming the same conversation.
import {
  isResultMessage,
  isSystemMessage,
  redactConfig,
  type ErrorCode,
  type QueryConfig,
  type SdkMessage,
  type UserMessage,
} from '@claude-agent/protocol'
import type { AgentFactory, AgentRun } from '../agent/agent.js'
import type { EventFrame, EventLog, SequencedFrame } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'

export type SessionState = 'idle' | 'starting' | 'running' | 'closed'

/** Something attached to a session that receives its events (a WebSocket connection). */
export interface Subscriber {
  deliver(frame: SequencedFrame): void
}

export interface SessionOptions {
  id: string
  /** The SDK session id (a UUID) of the conversation. */
  conversationId: string
  cwd: string
  agents: AgentFactory
  log: EventLog
  logger: Logger
  /** The config the next agent start uses (read at each start, never mid-run). */
  configSource: () => QueryConfig
  /** The CLI environment for a config. */
  buildEnv: (config: QueryConfig) => Record<string, string>
  /** Release the CLI when the last subscriber leaves and no turn runs, so the next start
   * picks up newly posted config (the original protocol's per-connection lifecycle). */
  releaseWhenUnattended?: boolean
  /** Scrubs secrets from text that reaches clients (CLI stderr, SDK error messages). */
  scrub: (text: string) => string
}

/** What the API reports about a session's live agent. */
export interface RunInfo {
  config: QueryConfig
  startedAt: string
  pid: number | undefined
  resumed: boolean
}

export class Session {
  readonly id: string
  private stateValue: SessionState = 'idle'
  private run: AgentRun | null = null
  private runInfo: RunInfo | null = null
  private sawInit = false
  /** Prompts sent to the live run that have not had their result yet. */
  private pendingTurns = 0
  private interrupting = false
  /** Set after a failed turn: the next prompt gets a fresh CLI (with current config). */
  private restartWhenIdle = false
  private readonly subscribers = new Set<Subscriber>()

  constructor(private readonly options: SessionOptions) {
    this.id = options.id
  }

  get state(): SessionState {
    return this.stateValue
  }

  /** The config and process of the live agent, or null when none runs. Secrets redacted. */
  get activeRun(): RunInfo | null {
    return this.runInfo && { ...this.runInfo, config: redactConfig(this.runInfo.config), pid: this.run?.pid }
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  attach(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber)
    return () => {
      this.subscribers.delete(subscriber)
      this.releaseIfUnattended()
    }
  }

  /** Record an event and send it to every subscriber. */
  emit(frame: EventFrame): void {
    const stored = this.options.log.append(this.id, frame)
    for (const subscriber of this.subscribers) subscriber.deliver(stored.frame)
  }

  prompt(message: UserMessage): void {
    if (this.stateValue === 'closed') return
    const run = this.run ?? this.startRun()
    this.pendingTurns++
    this.stateValue = this.sawInit ? 'running' : 'starting'
    run.send(message)
  }

  /** Interrupt the turn in progress. Resolves false when there was none. */
  async interrupt(): Promise<boolean> {
    if (!this.run || this.pendingTurns === 0) return false
    this.interrupting = true
    try {
      await this.run.interrupt()
    } catch (err) {
      this.interrupting = false
      this.emitError('TURN_FAILED', `Interrupt failed: ${this.describe(err)}`)
    }
    return true
  }

  close(): void {
    this.stateValue = 'closed'
    this.stopRun()
  }

  private startRun(): AgentRun {
    const config = this.options.configSource()
    const env = this.options.buildEnv(config)
    const resumed = this.options.agents.canResume(env, this.options.conversationId)
    const run = this.options.agents.start({
      config,
      cwd: this.options.cwd,
      env,
      conversationId: this.options.conversationId,
      resume: resumed,
      onStderr: (line) => this.emit({ type: 'info', message: this.options.scrub(line), source: 'cli_stderr' }),
    })
    this.run = run
    this.runInfo = { config, startedAt: new Date().toISOString(), pid: undefined, resumed }
    this.sawInit = false
    this.restartWhenIdle = false
    this.options.logger.info(`session ${this.id}: agent started (${resumed ? 'resumed' : 'new'} conversation)`)
    void this.consume(run)
    return run
  }

  private async consume(run: AgentRun): Promise<void> {
    let failure: unknown
    try {
      for await (const message of run.messages) {
        if (run !== this.run) break
        this.onMessage(message)
      }
    } catch (err) {
      failure = err
    }
    if (run === this.run) this.onRunEnded(failure)
  }

  private onMessage(message: SdkMessage): void {
    this.emit({ type: 'sdk_message', data: message })
    if (isSystemMessage(message) && message.subtype === 'init') {
      this.sawInit = true
      if (this.pendingTurns > 0) this.stateValue = 'running'
      return
    }
    if (!isResultMessage(message)) return
    this.pendingTurns = Math.max(0, this.pendingTurns - 1)
    if (message.is_error && !this.interrupting) {
      const detail = message.result ? `: ${this.options.scrub(message.result)}` : ''
      this.emitError('TURN_FAILED', `The turn ended with an error (${message.subtype})${detail}`, {
        subtype: message.subtype,
      })
      this.restartWhenIdle = true
    }
    if (this.pendingTurns === 0) {
      this.interrupting = false
      this.stateValue = 'idle'
      if (this.restartWhenIdle) this.stopRun()
      else this.releaseIfUnattended()
    }
  }

  /** The CLI process ended on its own (crash, kill, failed start). */
  private onRunEnded(failure: unknown): void {
    const hadTurns = this.pendingTurns > 0
    const code: ErrorCode = this.sawInit ? 'AGENT_EXITED' : 'AGENT_START_FAILED'
    this.run = null
    this.runInfo = null
    this.pendingTurns = 0
    this.interrupting = false
    if (this.stateValue !== 'closed') this.stateValue = 'idle'
    if (failure !== undefined || hadTurns) {
      const why = failure !== undefined ? this.describe(failure) : 'the process ended before answering'
      const message =
        code === 'AGENT_EXITED'
          ? `The Claude Code process exited: ${why}. The next prompt restarts it and resumes the conversation.`
          : `The Claude Code process could not start: ${why}`
      this.options.logger.warn(`session ${this.id}: ${message}`)
      this.emitError(code, message)
    }
  }

  private emitError(code: ErrorCode, message: string, data?: unknown): void {
    this.emit(data === undefined ? { type: 'error', code, error: message } : { type: 'error', code, error: message, data })
  }

  private releaseIfUnattended(): void {
    if (this.options.releaseWhenUnattended && this.subscribers.size === 0 && this.pendingTurns === 0) this.stopRun()
  }

  private stopRun(): void {
    const run = this.run
    this.run = null
    this.runInfo = null
    this.pendingTurns = 0
    if (run) {
      run.close()
      this.options.logger.info(`session ${this.id}: agent released`)
    }
  }

  private describe(err: unknown): string {
    return this.options.scrub(err instanceof Error ? err.message : String(err))
  }
}
