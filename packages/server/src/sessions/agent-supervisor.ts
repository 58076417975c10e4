// Keeps a session's agent: starts the CLI, reads its messages, notices it ending, stops it, and
// releases it after a while idle. It holds the session's RunState; the session decides what
// the messages and the end mean.
import type { SessionConfig, SdkMessage } from '@claude-agent/protocol'
import type { AgentRun } from '../agent/agent.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { agentColdStart, agentExited, agentStarted, turnEnded, turnStarted } from '../metrics/metrics.js'
import type { AgentCapacity, AgentSlot, CapacityHolder } from './agent-capacity.js'
import type { AgentLauncher, LaunchHooks } from './agent-launcher.js'
import { newTurn, type LiveAgent, type RunState, type Turn } from './run-state.js'

export interface SupervisorHooks extends Omit<LaunchHooks, 'onStderr'> {
  /** A stderr line of the current CLI (not of one being released). */
  onStderr: (line: string) => void
  /** A message of the current CLI. */
  onMessage: (message: SdkMessage) => void
  /** The current CLI ended on its own; `failure` is what its stream threw, if anything. The
   * state is `stopped` again; `turn` was running, `started` whether it had said init. */
  onExit: (exit: { failure: unknown; turn: Turn | undefined; started: boolean }) => void
  /** The CLI was idle for idleTimeoutMs, or the agent cap releases it for another session. */
  onIdle: () => void
  /** A tool approval is open (the CLI waits for a person, it is not idle). */
  waitingForPerson: () => boolean
}

export class AgentSupervisor {
  private current: RunState = { kind: 'stopped' }
  private idleTimer: NodeJS.Timeout | undefined
  /** CLI processes being stopped; settled() waits for them. */
  private readonly stopping = new Set<Promise<void>>()
  /** Waiting for the running turn to end (shutdown). */
  private turnWaiters: Array<() => void> = []
  /** When the running turn began (performance.now()), for its duration. */
  private turnStartedAt = 0
  private lastEffective: SessionConfig | undefined
  /** The live CLI's place under the agent cap. */
  private slot: AgentSlot | undefined
  private readonly holder: CapacityHolder

  constructor(
    private readonly sessionId: string,
    private readonly launcher: AgentLauncher,
    private readonly hooks: SupervisorHooks,
    private readonly logger: Logger,
    /** Release the CLI after this long idle. 0 never. */
    private readonly idleTimeoutMs: number,
    /** The node's cap on running CLIs; none: no cap. */
    private readonly capacity?: AgentCapacity,
  ) {
    this.holder = {
      sessionId,
      releasable: () => this.current.kind === 'idle' && !this.hooks.waitingForPerson(),
      release: () => this.hooks.onIdle(),
    }
  }

  get state(): RunState {
    return this.current
  }

  /** The turn in progress, if any. */
  get turn(): Turn | undefined {
    return this.current.kind === 'turn' ? this.current.turn : undefined
  }

  /** The config the last CLI was started with (kept once it stopped); none before the first. */
  get lastConfig(): SessionConfig | undefined {
    return this.lastEffective
  }

  get agent(): LiveAgent | undefined {
    return this.current.kind === 'idle' || this.current.kind === 'turn' ? this.current.agent : undefined
  }

  /** The live CLI, started with `config` when none runs. Throws when it cannot start. */
  ensureAgent(config: () => SessionConfig): AgentRun {
    if (this.current.kind === 'closed') throw new ServerError('SESSION_NOT_FOUND', `Session "${this.sessionId}" was deleted`)
    if (this.current.kind !== 'stopped') return this.current.agent.run
    const effective = config()
    this.lastEffective = effective
    // Taken before the start, in the same synchronous step: racing starts each see the others.
    const slot = this.capacity?.acquire(this.holder, this.launcher.holdsPooled)
    let launched: ReturnType<AgentLauncher['launch']>
    try {
      launched = this.launcher.launch(
        effective,
        {
          ...this.hooks,
          // A released run's process may still write a line or two: those are not this session's news.
          onStderr: (line) => {
            if (this.agent?.run === launched.run) this.hooks.onStderr(line)
          },
        },
        slot?.ready,
      )
    } catch (err) {
      slot?.free()
      throw err
    }
    const { run, resumed } = launched
    this.slot = slot
    const agent: LiveAgent = {
      run,
      info: { config: effective, startedAt: new Date().toISOString(), pid: undefined, resumed },
      sawInit: false,
    }
    this.set({ kind: 'idle', agent })
    this.logger.info(`agent started (${resumed ? 'resumed' : 'new'} conversation)`)
    agentStarted(resumed)
    void this.consume(agent, performance.now())
    return run
  }

  /** Throws AGENT_CAPACITY when this session would need a CLI and none can start now (the
   * cap is reached and every CLI is busy); a prompt is then refused before it is queued. */
  checkCapacity(): void {
    if (this.current.kind === 'stopped' && !this.launcher.holdsPooled) this.capacity?.check()
  }

  /** A turn starts on the live CLI. */
  beginTurn(uuid: string | undefined): Turn {
    const agent = this.agent
    if (!agent) throw new Error('no agent to run a turn on')
    clearTimeout(this.idleTimer)
    const turn = newTurn(uuid)
    this.slot?.touch()
    this.set({ kind: 'turn', agent, turn })
    this.turnStartedAt = performance.now()
    turnStarted()
    return turn
  }

  /** The running turn ended; the CLI stays. */
  endTurn(): void {
    if (this.current.kind !== 'turn') return
    this.slot?.touch()
    this.set({ kind: 'idle', agent: this.current.agent }, 'result')
  }

  /** Releases the CLI after idleTimeoutMs unless a turn starts first. */
  armIdleTimer(): void {
    clearTimeout(this.idleTimer)
    if (this.idleTimeoutMs <= 0 || this.current.kind !== 'idle') return
    this.idleTimer = setTimeout(() => this.hooks.onIdle(), this.idleTimeoutMs)
    this.idleTimer.unref()
  }

  /** Stops the CLI (if one runs); the state becomes `stopped`, or `closed` for good. */
  stop(closeForGood = false): void {
    clearTimeout(this.idleTimer)
    const agent = this.agent
    const stopped = agent?.run.close().finally(() => this.stopping.delete(stopped!))
    // Its process holds its place under the cap until it has exited.
    if (stopped) this.slot?.free(stopped)
    this.set(closeForGood || this.current.kind === 'closed' ? { kind: 'closed' } : { kind: 'stopped' })
    if (!agent || !stopped) return
    this.stopping.add(stopped)
    this.logger.info('agent released')
    agentExited('stopped')
  }

  /** Resolves once no turn runs. */
  turnEnded(): Promise<void> {
    if (this.current.kind !== 'turn') return Promise.resolve()
    return new Promise((resolve) => this.turnWaiters.push(resolve))
  }

  /** `outcome`: how a running turn ends with this change. */
  private set(next: RunState, outcome: 'result' | 'stopped' | 'exited' = 'stopped'): void {
    if (this.current.kind === 'turn' && next.kind !== 'turn') turnEnded((performance.now() - this.turnStartedAt) / 1000, outcome)
    this.current = next
    if (next.kind === 'stopped' || next.kind === 'closed') {
      this.slot?.free()
      this.slot = undefined
    }
    if (next.kind === 'turn' || this.turnWaiters.length === 0) return
    for (const resolve of this.turnWaiters.splice(0)) resolve()
  }

  /** Resolves once every CLI process this session stopped has exited. */
  async settled(): Promise<void> {
    await Promise.all([...this.stopping])
  }

  private async consume(agent: LiveAgent, startedAt: number): Promise<void> {
    let failure: unknown
    try {
      for await (const message of agent.run.messages) {
        if (this.agent !== agent) break
        if (message.type === 'system' && message['subtype'] === 'init' && !agent.sawInit) {
          agent.sawInit = true
          agentColdStart((performance.now() - startedAt) / 1000)
        }
        this.hooks.onMessage(message)
      }
    } catch (err) {
      failure = err
    }
    if (this.agent !== agent) return
    const turn = this.turn
    clearTimeout(this.idleTimer)
    this.set({ kind: 'stopped' }, 'exited')
    agentExited(failure !== undefined || turn !== undefined ? 'crashed' : 'ended')
    this.hooks.onExit({ failure, turn, started: agent.sawInit })
  }
}
