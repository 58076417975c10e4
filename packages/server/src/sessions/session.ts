// A session is one Claude conversation: a small facade over its parts. It owns its config and
// key (OwnConfig), its agent (AgentSupervisor: at most one CLI, started on demand, released when
// idle), its turns (Turns: one at a time, each ended once), its tool approvals
// (PermissionBroker) and its events (EventHub: logged, then delivered; replay then live),
// built and wired in session-parts.ts.
import {
  redactConfig,
  type ControlRequest,
  type Decider,
  type ErrorCode,
  type PermissionResponseFrame,
  type SdkMessage,
  type SessionConfig,
  type SessionInfo,
  type SessionState,
  type UserMessage,
  type WireError,
} from '@claude-agent/protocol'
import type { AgentRun } from '../agent/agent.js'
import { ServerError } from '../errors.js'
import type { EventFrame, StoredEvent } from '../event-log/event-log.js'
import type { Workspace } from '../files/workspace-path.js'
import type { ModelFailure } from '../sandbox/sandbox.js'
import type { AgentLauncher } from './agent-launcher.js'
import type { AgentSupervisor } from './agent-supervisor.js'
import { backgroundWrite } from './background-write.js'
import { control } from './live-control.js'
import type { EventHub, SubscribeOptions, Subscriber, Subscription } from './event-hub.js'
import type { PermissionBroker } from './permission-broker.js'
import { recoverAfterRestart } from './recovery.js'
import type { RunInfo } from './run-state.js'
import { SessionCommands } from './session-commands.js'
import type { OwnConfig } from './session-config.js'
import { createSessionParts } from './session-parts.js'
import type { SessionOptions } from './session-options.js'
import { sessionUsage } from './session-usage.js'
import { modelFailureNotice } from './turn-failure.js'
import type { TurnQueue } from './turn-queue.js'
import { startFailure, type Reporter, type Turns } from './turns.js'

import type { MeteredSession } from '../usage/ledger.js'

export type { Subscriber, Subscription, SubscribeOptions } from './event-hub.js'
export type { RunInfo } from './run-state.js'
export type { SessionLimits, SessionOptions } from './session-options.js'

export class Session {
  readonly id: string
  private stateValue: SessionState
  /** The state last written to the store (what a restart reads); it may run ahead of stateValue. */
  private storedState: SessionState
  private readonly config: OwnConfig
  private readonly launcher: AgentLauncher
  private readonly agent: AgentSupervisor
  private readonly turns: Turns
  private readonly broker: PermissionBroker
  private readonly hub: EventHub
  private readonly queue: TurnQueue
  private readonly commands = new SessionCommands()

  constructor(private readonly options: SessionOptions) {
    this.id = options.record.id
    this.stateValue = options.record.state
    this.storedState = options.record.state
    const parts = createSessionParts(options, {
      setState: (state) => this.setState(state),
      onMessage: (message) => this.onMessage(message),
      modelFailed: (failure) => this.modelFailed(failure),
      releaseIfUnattended: () => this.releaseIfUnattended(),
      report: this.reporter(),
    })
    this.config = parts.config
    this.hub = parts.hub
    this.broker = parts.broker
    this.launcher = parts.launcher
    this.agent = parts.agent
    this.queue = parts.queue
    this.turns = parts.turns
  }

  get state(): SessionState {
    return this.stateValue
  }

  /** Whose spending it is (its usage and budget are keyed by its conversation). */
  get metered(): MeteredSession {
    return { id: this.id, conversationId: this.options.record.conversationId, principal: this.options.record.owner ?? null }
  }

  get isTurnRunning(): boolean {
    return this.turns.running !== undefined
  }

  /** The session's working directory: absolute, inside its workspace. */
  get cwd(): string {
    return this.launcher.cwd
  }

  /** The session's workspace: its own directory, or the shared one its config names. */
  get workspace(): Workspace {
    return this.launcher.workspace
  }

  /** Where the session keeps its state: its CLI's (and its commands') HOME and TMPDIR. */
  get stateDir(): string {
    return this.launcher.stateDir
  }

  /** The last seq of its log. */
  get lastSeq(): number {
    return this.hub.lastSeq
  }

  /** Whether its next CLI answers from the offline demo model: the server has no credential
   * of its own and the session's config posted no key. */
  get isDemo(): boolean {
    return this.launcher.demoModelUrl !== undefined && !this.config.hasKey
  }

  /** Fields of the last posted config the SDK does not know, dropped by the server: said to
   * every client that attaches, as the original protocol's clients learn nothing from HTTP. */
  droppedConfigFields: readonly string[] = []

  /** The config as posted (the key included: never send it as is). */
  get postedConfig(): SessionConfig {
    return this.config.posted
  }

  /** Replaces the config (POST /config); a running agent keeps its own until its next start. */
  replaceConfig(config: SessionConfig): Promise<void> {
    return this.config.replace(config)
  }

  /** The config and process of the live agent, or null when none runs. Secrets redacted. */
  get activeRun(): RunInfo | null {
    const agent = this.agent.agent
    return agent ? { ...agent.info, config: redactConfig(agent.info.config), pid: agent.run.pid } : null
  }

  /** Who owns it (null: the admins) and who reads it: tenancy/access.ts decides with these. */
  get owner(): string | null {
    return this.options.record.owner
  }

  get readers(): readonly string[] {
    return this.options.record.readers
  }

  /** Stored by the manager. */
  setReaders(readers: string[]): void {
    this.options.record.readers = readers
  }

  info(): SessionInfo {
    const { record } = this.options
    return {
      id: record.id,
      conversationId: record.conversationId,
      state: this.stateValue,
      createdAt: record.createdAt,
      lastSeq: this.hub.lastSeq,
      config: redactConfig(this.config.effective),
      clients: this.hub.size,
      owner: record.owner,
      usage: sessionUsage(this.options.context.sandbox, this.options.context.usage, this.config.effective, this.workspace.root),
    }
  }

  /** Attach a subscriber: the events after `after` first (none when undefined), then live. */
  subscribe(subscriber: Subscriber, options?: SubscribeOptions): Subscription {
    return this.hub.subscribe(subscriber, options)
  }

  /** Record an event and send it to every subscriber (once it is durable). */
  emit(frame: EventFrame): void {
    this.hub.emit(frame)
  }

  /** Like emit; resolves with the event once sent (undefined when the log failed it). */
  record(frame: EventFrame): Promise<StoredEvent | undefined> {
    return this.hub.record(frame)
  }

  /** Queues the prompt; rejects with DUPLICATE_PROMPT (its uuid was queued or ran) or
   * SESSION_NOT_FOUND (deleted). */
  prompt(message: UserMessage): Promise<void> {
    return this.turns.prompt(message)
  }

  /** Interrupt the turn in progress; false when there was none. */
  interrupt(): Promise<boolean> {
    return this.turns.interrupt()
  }

  /** Start the CLI ahead of the first prompt, so that prompt does not wait for a cold start. */
  prewarm(): void {
    if (this.agent.state.kind !== 'stopped') return
    try {
      this.liveAgent()
    } catch (err) {
      // At the agent cap with every CLI busy: the first prompt starts it, or is refused, later.
      if (err instanceof ServerError && err.code === 'AGENT_CAPACITY') {
        this.options.logger.debug(`not prewarmed: ${err.message}`)
        return
      }
      // e.g. the sandbox could not be prepared: say so; the next prompt tries again.
      this.emitError('AGENT_START_FAILED', startFailure(err, this.reporter()))
    }
  }

  /** A client's answer to a permission request; the error to send back if it cannot count. */
  answerPermission(response: PermissionResponseFrame, by: Decider): WireError | undefined {
    return this.broker.answer(response, by)
  }

  /** Live control: mode and model changes apply now and to later starts; lists need a CLI. */
  control(request: ControlRequest): Promise<unknown> {
    return control(request, {
      id: this.id,
      agent: this.agent,
      turns: this.turns,
      config: this.config,
      logger: this.options.logger,
      emit: (frame) => this.emit(frame),
      describe: (err) => this.describe(err),
      liveAgent: () => this.liveAgent(),
    })
  }

  /** Bring a session restored from the store in line with reality (see recovery.ts). */
  recoverAfterRestart(): Promise<void> {
    return recoverAfterRestart({
      id: this.id,
      state: this.stateValue,
      log: this.options.store,
      emit: (frame) => this.emit(frame),
      emitError: (code, message) => this.emitError(code, message),
      setState: (state) => this.setState(state),
      config: this.config.effective,
    })
  }

  /** Start no further turns (server shutdown); the running one may finish. */
  drain(): void {
    this.queue.hold()
  }

  /** Resolves once no turn runs. */
  turnEnded(): Promise<void> {
    return this.agent.turnEnded()
  }

  /** Stop without a chance to finish: a turn still running is recorded as interrupted. */
  stop(reason: string): void {
    this.turns.stop(reason)
  }

  /** Resolves once every CLI process this session stopped has exited. */
  settled(): Promise<void> {
    return this.agent.settled()
  }

  /** After halt(): resolves once its CLI and its commands have exited (then its files may go). */
  async quiet(): Promise<void> {
    await Promise.all([this.agent.settled(), this.commands.settled()])
  }

  /** Tracks a command run in its sandbox (exec) until the returned release; `stop` kills it.
   * Throws SESSION_NOT_FOUND once the session is halted (deleted, or moved away). */
  holdCommand(stop: () => void): () => void {
    return this.commands.hold(this.id, stop)
  }

  /** Delete: stop the agent and tell subscribers the session is gone. */
  close(): void {
    this.end('SESSION_NOT_FOUND', `Session "${this.id}" was deleted`)
  }

  /** In a cluster, the session moves to another node (its lease was lost or handed on): as
   * close, but its clients are told to reconnect (any node forwards them to the new owner). */
  moveAway(message: string): void {
    this.end('LEASE_LOST', message)
  }

  /** A delete the store refused: as close, but its clients are told to reconnect (STORE_FAILED,
   * close 1001), as the session is served again from its stored record. */
  notDeleted(message: string): void {
    this.end('STORE_FAILED', message)
  }

  /** Its CLI stopped for good and no prompt taken any more, its clients still attached (a
   * delete in progress): close() follows once deleted, moveAway() or notDeleted() when it was not. */
  halt(): void {
    this.queue.clear()
    // Closed first: what the stop reports (cancelled approvals) changes no state any more.
    this.agent.stop(true)
    this.turns.stopAgent(this.stateValue)
    this.commands.stopAll()
    // Those are logged; nothing after them is (the delete removes the rows, or another node
    // or a fresh Session serves it now).
    this.hub.seal()
  }

  private end(code: 'SESSION_NOT_FOUND' | 'LEASE_LOST' | 'STORE_FAILED', message: string): void {
    this.halt()
    this.hub.endAll(code, message)
  }

  private ensureAgent(): AgentRun {
    return this.agent.ensureAgent(() => this.config.effective)
  }

  /** The live CLI; one started here is reported idle. */
  private liveAgent(): AgentRun {
    const started = this.agent.state.kind === 'stopped'
    const run = this.ensureAgent()
    if (started) this.setState('idle')
    return run
  }

  private onMessage(message: SdkMessage): void {
    this.turns.observe(message)
    if (message.type === 'stream_event') {
      // Token events are many and superseded by the complete message that follows: they go
      // live to the clients that asked for them and are not logged.
      this.hub.transient({ type: 'sdk_message', data: message })
      return
    }
    this.emit({ type: 'sdk_message', data: message })
    this.turns.settle(message)
  }

  /** The gateway saw a model API call fail: clients hear of it while the CLI retries. */
  private modelFailed(failure: ModelFailure): void {
    const turn = this.turns.running
    if (!turn) return
    turn.modelFailure = failure
    this.emit({ type: 'info', message: this.options.context.scrub(modelFailureNotice(failure)), source: 'server' })
  }

  private setState(state: SessionState): void {
    if (this.agent.state.kind === 'closed') return
    this.storeState(state)
    if (state === this.stateValue) return
    this.stateValue = state
    this.emit({ type: 'session_state', state })
    if (state === 'idle') this.agent.armIdleTimer()
  }

  /** The state a restart reads, written when it changes (ahead of setState for a turn's start). */
  private storeState(state: SessionState): void {
    if (state === this.storedState || this.agent.state.kind === 'closed') return
    this.storedState = state
    const write = this.options.store.updateSessionState(this.id, state, this.options.fence?.())
    backgroundWrite(write, this.options.logger, 'the session state', this.options)
  }

  private emitError(code: ErrorCode, text: string, data?: unknown): void {
    const error = this.options.context.scrub(text)
    this.emit(data === undefined ? { type: 'error', code, error } : { type: 'error', code, error, data })
  }

  private describe(err: unknown): string {
    return this.options.context.scrub(err instanceof Error ? err.message : String(err))
  }

  private releaseIfUnattended(): void {
    if (this.options.releaseWhenUnattended && this.hub.size === 0 && !this.turns.running && this.queue.length === 0) {
      this.turns.stopAgent('suspended')
    }
  }

  private reporter(): Reporter {
    return {
      emit: (frame) => this.emit(frame),
      emitError: (code, text, data) => this.emitError(code, text, data),
      setState: (state) => this.setState(state),
      storeState: (state) => this.storeState(state),
      describe: (err) => this.describe(err),
      cancelPermissions: () => this.broker.cancelAll('cancelled', 'The agent stopped before a decision.'),
      waitingForPerson: () => this.broker.openCount > 0,
      becameIdle: () => this.releaseIfUnattended(),
    }
  }
}
