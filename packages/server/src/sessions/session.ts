// A session is one Claude conversation. It owns at most one live agent run (a CLI process),
// starts it on demand, numbers every event through the log before clients see it, releases
// the CLI when idle, and recovers from any failure on the next prompt by resuming.
import {
  isResultMessage,
  isStreamEvent,
  isSystemMessage,
  redactConfig,
  type ControlRequest,
  type Decider,
  type ErrorCode,
  type PermissionResponseFrame,
  type QueryConfig,
  type SdkMessage,
  type SessionConfig,
  type SessionInfo,
  type SessionState,
  type UserMessage,
  type WireError,
} from '@claude-agent/protocol'
import type { AgentFactory, AgentRun } from '../agent/agent.js'
import type { EventFrame, SessionRecord, StoredEvent, Store } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { PermissionBroker, orphanedRequests } from './permission-broker.js'
import type { ModelFailure, SandboxRun } from '../sandbox/sandbox.js'
import { describeTurnFailure, modelFailureNotice } from './turn-failure.js'

/** Something attached to a session that receives its events (a WebSocket connection). */
export interface Subscriber {
  deliver(event: StoredEvent): void
  /** A live-only frame (a partial message): not logged, no seq; JSON text. */
  deliverTransient?(text: string): void
  /** The session is gone (deleted); the subscriber should close. */
  ended?(code: ErrorCode, message: string): void
}

export interface SessionOptions {
  record: SessionRecord
  cwd: string
  agents: AgentFactory
  store: Store
  logger: Logger
  /** The config the next agent start uses (read at each start, never mid-run). */
  configSource: () => SessionConfig
  /** The CLI environment for a config. */
  buildEnv: (config: QueryConfig) => Record<string, string>
  /** Prepares the sandbox of one CLI process from its environment (real credentials included). */
  isolate: (env: Record<string, string>) => SandboxRun
  /** Release the CLI after this long idle. 0 disables. */
  idleTimeoutMs: number
  /** Deny a permission request nobody answers within this time. */
  permissionTimeoutMs: number
  /** Change the session's stored config (live control: mode, model). */
  patchConfig: (patch: Partial<SessionConfig>) => void
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
  private stateValue: SessionState
  private run: AgentRun | null = null
  private runInfo: RunInfo | null = null
  private sawInit = false
  /** Prompts waiting for the turn before them: the CLI merges prompts queued behind a running
   * turn, so we feed it one at a time and every prompt gets exactly one result. */
  private readonly queue: UserMessage[] = []
  /** Recent prompt uuids, so a client resending after a dropped connection runs nothing twice. */
  private readonly seenPrompts = new Set<string>()
  private turnRunning = false
  /** The last model API failure the gateway reported during the running turn. */
  private turnModelFailure: ModelFailure | undefined
  private interrupting = false
  /** Set after a failed turn, or a change the live CLI refused: once the turn ends the CLI is
   * released, and the next prompt gets a fresh one with the current config. */
  private restartWhenIdle: 'failed' | 'suspended' | null = null
  private idleTimer: NodeJS.Timeout | undefined
  private closed = false
  /** Shutting down: the running turn may finish, queued prompts wait (and are recorded). */
  private draining = false
  /** CLI processes being stopped; shutdown waits for them. */
  private readonly stopping = new Set<Promise<void>>()
  private readonly subscribers = new Set<Subscriber>()
  private readonly broker: PermissionBroker

  constructor(private readonly options: SessionOptions) {
    this.id = options.record.id
    this.stateValue = options.record.state
    const allowed = new Set(options.record.allowedTools)
    this.broker = new PermissionBroker({
      emit: (frame) => this.emit(frame),
      timeoutMs: options.permissionTimeoutMs,
      sessionRules: {
        has: (tool) => allowed.has(tool),
        add: (tool) => {
          allowed.add(tool)
          options.store.updateAllowedTools(this.id, [...allowed])
        },
      },
      onOpenChange: (open) => {
        if (open > 0) this.setState('waiting_for_approval')
        else if (this.turnRunning) this.setState('running')
      },
    })
  }

  /** Start the CLI ahead of the first prompt, so that prompt does not wait for a cold start. */
  prewarm(): void {
    if (this.run || this.closed) return
    try {
      this.startRun()
    } catch (err) {
      // e.g. the sandbox could not be prepared: say so; the next prompt tries again.
      this.emitError('AGENT_START_FAILED', this.startFailure(err))
      return
    }
    this.setState('idle')
  }

  /** Permission requests waiting now (logged events), for a client that attaches meanwhile. */
  openPermissionRequests(): StoredEvent[] {
    return this.broker.openEvents()
  }

  /** A client's answer to a permission request; the error to send back if it cannot count. */
  answerPermission(response: PermissionResponseFrame, by: Decider): WireError | undefined {
    return this.broker.answer(response, by)
  }

  /** Live control: mode and model changes apply now and to later starts; lists need a CLI. */
  async control(request: ControlRequest): Promise<unknown> {
    switch (request.subtype) {
      case 'interrupt':
        return { interrupted: await this.interrupt() }
      case 'set_permission_mode':
      case 'set_model': {
        const patch = request.subtype === 'set_model' ? { model: request.model } : { permissionMode: request.mode }
        const applied = await this.applyLive(request)
        this.options.patchConfig(patch)
        const what = request.subtype === 'set_model' ? `Model set to ${request.model ?? 'the default'}` : `Permission mode set to ${request.mode}`
        this.emit({ type: 'info', message: `${what} (${applied === 'now' ? 'now' : 'from the next turn'})`, source: 'server' })
        return { ...patch, applied }
      }
      default: {
        if (this.closed) throw new ServerError('SESSION_NOT_FOUND', `Session "${this.id}" was deleted`)
        const started = !this.run
        const run = this.run ?? this.startRun()
        if (started) this.setState('idle')
        return run.control(request)
      }
    }
  }

  get state(): SessionState {
    return this.stateValue
  }

  get isTurnRunning(): boolean {
    return this.turnRunning
  }

  /** The session's working directory: absolute, inside the workspace. */
  get cwd(): string {
    return this.options.cwd
  }

  /** The config and process of the live agent, or null when none runs. Secrets redacted. */
  get activeRun(): RunInfo | null {
    return this.runInfo && { ...this.runInfo, config: redactConfig(this.runInfo.config), pid: this.run?.pid }
  }

  info(): SessionInfo {
    const { record } = this.options
    return {
      id: record.id,
      conversationId: record.conversationId,
      state: this.stateValue,
      createdAt: record.createdAt,
      lastSeq: this.options.store.lastSeq(this.id),
      config: redactConfig(this.options.configSource()),
      clients: this.subscribers.size,
    }
  }

  attach(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber)
    return () => {
      if (!this.subscribers.delete(subscriber)) return
      this.releaseIfUnattended()
    }
  }

  /** Record an event and send it to every subscriber. */
  emit(frame: EventFrame): StoredEvent {
    const event = this.options.store.append(this.id, frame)
    for (const subscriber of this.subscribers) subscriber.deliver(event)
    return event
  }

  prompt(message: UserMessage): void {
    if (this.closed) throw new ServerError('SESSION_NOT_FOUND', `Session "${this.id}" was deleted`)
    if (message.uuid !== undefined) {
      if (this.seenPrompts.has(message.uuid)) {
        throw new ServerError('DUPLICATE_PROMPT', `Prompt ${message.uuid} was already received; it runs once`, { uuid: message.uuid })
      }
      this.seenPrompts.add(message.uuid)
      if (this.seenPrompts.size > 1_000) this.seenPrompts.delete(this.seenPrompts.values().next().value as string)
    }
    this.queue.push(message)
    this.startNextTurn()
  }

  /** The gateway saw a model API call fail: clients hear of it while the CLI retries. */
  modelFailed(failure: ModelFailure): void {
    if (!this.turnRunning) return
    this.turnModelFailure = failure
    this.emit({ type: 'info', message: this.options.scrub(modelFailureNotice(failure)), source: 'server' })
  }

  /** Start no further turns (server shutdown). */
  drain(): void {
    this.draining = true
  }

  private startNextTurn(): void {
    if (this.turnRunning || this.closed || this.draining) return
    const next = this.queue.shift()
    if (!next) return
    let run: AgentRun
    try {
      run = this.run ?? this.startRun()
    } catch (err) {
      // e.g. the sandbox could not be prepared. Reached from the CLI's message loop too, so
      // it must not throw: the prompt fails, the session stays usable.
      this.emitError('AGENT_START_FAILED', this.startFailure(err))
      this.setState('failed')
      return
    }
    this.turnRunning = true
    this.turnModelFailure = undefined
    clearTimeout(this.idleTimer)
    this.setState('running')
    run.send(next)
  }

  /** Interrupt the turn in progress. Resolves false when there was none. */
  async interrupt(): Promise<boolean> {
    if (!this.run || !this.turnRunning) return false
    this.interrupting = true
    try {
      await this.run.interrupt()
    } catch (err) {
      this.interrupting = false
      this.emitError('TURN_FAILED', `Interrupt failed: ${this.describe(err)}`)
    }
    return true
  }

  /** Applies a mode or model change to the live CLI. When the CLI refuses (it cannot switch
   * into bypass mode unless launched for it) the change waits for a fresh CLI: at once when
   * idle, else after the running turn. The conversation resumes either way. */
  private async applyLive(request: Extract<ControlRequest, { subtype: 'set_permission_mode' | 'set_model' }>): Promise<'now' | 'next_turn'> {
    if (!this.run) return 'next_turn'
    try {
      await this.run.control(request)
      return 'now'
    } catch (err) {
      this.options.logger.info(`session ${this.id}: ${request.subtype} needs a fresh CLI: ${this.describe(err)}`)
      if (this.turnRunning) this.restartWhenIdle ??= 'suspended'
      else this.stopRun('suspended')
      return 'next_turn'
    }
  }

  /** Bring a session restored from the store in line with reality: no CLI survives a restart,
   * and a turn the previous process was running is over. */
  recoverAfterRestart(): void {
    const wasWorking = this.stateValue === 'running' || this.stateValue === 'waiting_for_approval'
    // Scan for open requests even when the state says `running`: a kill can land between the
    // request event and the state change that follows it.
    if (wasWorking) {
      const events = this.options.store.readTypes(this.id, ['permission_request', 'permission_resolved'], 0, 100_000)
      for (const { requestId, toolName } of orphanedRequests(events)) {
        this.emit({
          type: 'permission_resolved',
          requestId,
          toolName,
          decision: 'deny',
          scope: 'once',
          reason: 'restart',
          message: 'The server stopped while this request was open.',
        })
      }
    }
    if (wasWorking) {
      this.emitError(
        'INTERRUPTED_BY_RESTART',
        'The server stopped while this turn ran; the next prompt resumes the conversation',
      )
    }
    if (this.stateValue !== 'failed') this.setState('suspended')
  }

  /** Stop without a chance to finish: a turn still running is recorded as interrupted. */
  stop(reason: string): void {
    if (this.turnRunning || this.queue.length > 0) {
      const queued = this.queue.length > 0 ? ` (${this.queue.length} queued prompt(s) were not run)` : ''
      this.emitError('INTERRUPTED_BY_RESTART', `The turn was interrupted: ${reason}${queued}`)
      this.queue.length = 0
    }
    this.stopRun('suspended')
  }

  /** Resolves once every CLI process this session stopped has exited. */
  async settled(): Promise<void> {
    await Promise.all([...this.stopping])
  }

  /** Delete: stop the agent and tell subscribers the session is gone. */
  close(): void {
    this.closed = true
    this.queue.length = 0
    clearTimeout(this.idleTimer)
    this.stopRun(this.stateValue)
    for (const subscriber of this.subscribers) subscriber.ended?.('SESSION_NOT_FOUND', `Session "${this.id}" was deleted`)
    this.subscribers.clear()
  }

  private setState(state: SessionState): void {
    if (state === this.stateValue || this.closed) return
    this.stateValue = state
    this.options.store.updateSessionState(this.id, state)
    this.emit({ type: 'session_state', state })
    if (state === 'idle' && this.options.idleTimeoutMs > 0) {
      clearTimeout(this.idleTimer)
      this.idleTimer = setTimeout(() => this.stopRun('suspended'), this.options.idleTimeoutMs)
      this.idleTimer.unref()
    }
  }

  private startRun(): AgentRun {
    const { record } = this.options
    const config = this.options.configSource()
    const env = this.options.buildEnv(config)
    const resumed = this.options.agents.canResume(env, record.conversationId)
    const sandbox = this.options.isolate(env)
    // A released run's process may still write a line or two: those are not this session's news.
    const run: AgentRun = this.options.agents.start({
      config,
      cwd: this.options.cwd,
      env: sandbox.env,
      sandbox,
      conversationId: record.conversationId,
      resume: resumed,
      onStderr: (line) => {
        if (this.run === run) this.emit({ type: 'info', message: this.options.scrub(line), source: 'cli_stderr' })
      },
      canUseTool: (ask) => this.broker.ask(ask),
    })
    this.run = run
    this.runInfo = { config, startedAt: new Date().toISOString(), pid: undefined, resumed }
    this.sawInit = false
    this.restartWhenIdle = null
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
    if (isStreamEvent(message)) {
      // Token events are many and superseded by the complete message that follows: they go
      // live to the clients that asked for them and are not logged.
      const text = JSON.stringify({ type: 'sdk_message', data: message })
      for (const subscriber of this.subscribers) subscriber.deliverTransient?.(text)
      return
    }
    this.emit({ type: 'sdk_message', data: message })
    if (isSystemMessage(message) && message.subtype === 'init') {
      this.sawInit = true
      return
    }
    if (!isResultMessage(message) || !this.turnRunning) return
    this.turnRunning = false
    if (message.is_error && !this.interrupting) {
      const failure = describeTurnFailure(message.subtype, message.result, this.turnModelFailure)
      this.emitError('TURN_FAILED', failure.message, failure.data)
      this.restartWhenIdle = 'failed'
    }
    this.interrupting = false
    if (this.restartWhenIdle) this.stopRun(this.restartWhenIdle)
    if (this.queue.length > 0) this.startNextTurn()
    else if (this.run) {
      this.setState('idle')
      this.releaseIfUnattended()
    }
  }

  /** The CLI process ended on its own (crash, kill, failed start). */
  private onRunEnded(failure: unknown): void {
    const hadTurns = this.turnRunning
    const code: ErrorCode = this.sawInit ? 'AGENT_EXITED' : 'AGENT_START_FAILED'
    this.run = null
    this.runInfo = null
    this.turnRunning = false
    this.interrupting = false
    const failed = failure !== undefined || hadTurns
    if (failed) {
      const why = failure !== undefined ? this.describe(failure) : 'the process ended before answering'
      const message =
        code === 'AGENT_EXITED'
          ? `The Claude Code process exited: ${why}. The next prompt restarts it and resumes the conversation.`
          : `The Claude Code process could not start: ${why}`
      this.options.logger.warn(`session ${this.id}: ${message}`)
      this.emitError(code, message)
    }
    this.setState(failed ? 'failed' : 'suspended')
    this.startNextTurn()
  }

  private emitError(code: ErrorCode, text: string, data?: unknown): void {
    const message = this.options.scrub(text)
    this.emit(data === undefined ? { type: 'error', code, error: message } : { type: 'error', code, error: message, data })
  }

  private releaseIfUnattended(): void {
    if (this.options.releaseWhenUnattended && this.subscribers.size === 0 && !this.turnRunning && this.queue.length === 0) {
      this.stopRun('suspended')
    }
  }

  private stopRun(next: SessionState): void {
    clearTimeout(this.idleTimer)
    this.broker.cancelAll('cancelled', 'The agent stopped before a decision.')
    const run = this.run
    this.run = null
    this.runInfo = null
    this.turnRunning = false
    if (run) {
      const stopped = run.close().finally(() => this.stopping.delete(stopped))
      this.stopping.add(stopped)
      this.options.logger.info(`session ${this.id}: agent released`)
    }
    this.setState(next)
  }

  private startFailure(err: unknown): string {
    return err instanceof ServerError ? err.message : `The Claude Code process could not start: ${this.describe(err)}`
  }

  private describe(err: unknown): string {
    return this.options.scrub(err instanceof Error ? err.message : String(err))
  }
}
