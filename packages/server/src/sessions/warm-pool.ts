// CLIs started ahead for sessions not yet created, so a new session with the default config
// has one already running in its sandbox (create -> system/init is then a prompt's round
// trip, not a cold start). Each pooled CLI has its own reserved session id, conversation id and
// state directory; it holds only what every session's CLI holds (the server's endpoint and
// credential, behind the sandbox's gateway), never a posted key: such sessions skip the pool.
import type { Workspace } from '../files/workspace-path.js'
import type { BudgetRefusal, MeteredSession } from '../usage/ledger.js'
import { randomUUID } from 'node:crypto'
import type { SessionConfig } from '@claude-agent/protocol'
import type { PermissionAnswer, PermissionAsk } from '../agent/agent.js'
import type { Logger } from '../logger.js'
import type { LimitHit, ModelFailure } from '../sandbox/sandbox.js'
import { AgentLauncher, lexicalSessionCwd, type LaunchContext, type Launched, type LaunchHooks } from './agent-launcher.js'
import { removeTreeSync } from '../remove-tree.js'

/** Hooks bound when the CLI starts, forwarded to the session that adopts it later. */
export class HookRelay implements LaunchHooks {
  target: LaunchHooks | undefined
  readonly onStderr = (line: string) => this.target?.onStderr(line)
  readonly onModelFailure = (failure: ModelFailure) => this.target?.onModelFailure(failure)
  readonly onLimitHit = (hit: LimitHit) => this.target?.onLimitHit(hit)
  readonly onBudgetRefused = (refusal: BudgetRefusal) => this.target?.onBudgetRefused(refusal)
  readonly canUseTool = (ask: PermissionAsk): Promise<PermissionAnswer> =>
    // Asked before any session holds it (it has had no prompt): nobody can answer.
    this.target ? this.target.canUseTool(ask) : Promise.resolve({ behavior: 'deny', message: 'No session holds this agent yet.' })
}

/** A CLI running for a session to come. */
export interface PooledAgent {
  id: string
  conversationId: string
  stateDir: string
  /** The config it was started with (a new session's defaults). */
  config: SessionConfig
  launched: Launched
  hooks: HookRelay
  /** Whose spending its model requests are: nobody's until a session takes it (then its owner's). */
  metered: MeteredSession
}

export interface WarmPoolOptions {
  /** How many CLIs to keep ready; 0: none. */
  size: number
  context: LaunchContext
  /** The config of a new session that posts none (its defaults). */
  config: SessionConfig
  /** A new session's id and its state directory: the same functions the manager uses. */
  newId: () => string
  stateDir: (id: string) => string
  /** The workspace a pooled session will have (its own, by its reserved id). */
  workspace: (id: string) => Workspace
  logger: Logger
}

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export class WarmPool {
  private readonly ready: PooledAgent[] = []
  private refill: NodeJS.Immediate | undefined
  private closed = false
  private waiters: Array<() => void> = []

  private readonly stopListening: () => void

  constructor(private readonly options: WarmPoolOptions) {
    const capacity = options.context.capacity
    // Counted under the agent cap, the first to go at it, refilled only while there is room.
    capacity?.attachPool(this)
    this.stopListening = capacity?.onFree(() => this.scheduleRefill()) ?? (() => undefined)
    this.scheduleRefill()
  }

  /** CLIs ready now. */
  get size(): number {
    return this.ready.length
  }

  /** Their process ids (bwrap's, in the sandbox), for the memory figures and tests. */
  get pids(): number[] {
    return this.ready.flatMap((agent) => (agent.launched.run.pid === undefined ? [] : [agent.launched.run.pid]))
  }

  /** Their state directories. */
  get stateDirs(): string[] {
    return this.ready.map((agent) => agent.stateDir)
  }

  /** A ready CLI for a new session, or undefined (the pool is empty or off); refills behind. */
  take(): PooledAgent | undefined {
    let agent: PooledAgent | undefined
    while ((agent = this.ready.shift())) {
      if (alive(agent.launched.run.pid)) break
      void this.discard(agent)
    }
    this.scheduleRefill()
    return agent
  }

  /** Stops the oldest ready CLI for the agent cap; false when none is ready. */
  releaseOne(): Promise<void> | false {
    const agent = this.ready.shift()
    if (!agent) return false
    return this.discard(agent)
  }

  /** Resolves once the pool holds `size` CLIs (or is closed). */
  whenFull(): Promise<void> {
    if (this.closed || this.ready.length >= this.options.size || !this.hasRoom) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Stops every CLI still waiting and removes its state directory. */
  async close(): Promise<void> {
    this.closed = true
    this.stopListening()
    if (this.refill) clearImmediate(this.refill)
    for (const resolve of this.waiters.splice(0)) resolve()
    await Promise.all(this.ready.splice(0).map((agent) => this.discard(agent)))
  }

  /** One CLI per tick, so a refill never holds the event loop for the whole pool. */
  private scheduleRefill(): void {
    if (this.closed || this.refill || this.ready.length >= this.options.size || !this.hasRoom) return
    this.refill = setImmediate(() => {
      this.refill = undefined
      if (this.closed || this.ready.length >= this.options.size || !this.hasRoom) return
      try {
        this.ready.push(this.start())
      } catch (err) {
        // e.g. the sandbox could not be prepared: sessions start their own CLI as before.
        this.options.logger.warn(`warm pool: a CLI could not be started: ${err instanceof Error ? err.message : String(err)}`)
        return
      }
      if (this.ready.length >= this.options.size) for (const resolve of this.waiters.splice(0)) resolve()
      this.scheduleRefill()
    })
  }

  /** A CLI for later never takes the agent cap's last place from a session now. */
  private get hasRoom(): boolean {
    return this.options.context.capacity?.hasRoom ?? true
  }

  private start(): PooledAgent {
    const { context, config } = this.options
    const id = this.options.newId()
    const conversationId = randomUUID()
    const stateDir = this.options.stateDir(id)
    const hooks = new HookRelay()
    const metered: MeteredSession = { id, conversationId, principal: null }
    const workspace = this.options.workspace(id)
    const launcher = new AgentLauncher(context, workspace, id, conversationId, stateDir, lexicalSessionCwd(workspace, undefined), metered)
    return { id, conversationId, stateDir, config, hooks, metered, launched: launcher.launch(config, hooks) }
  }

  /** Never rejects: a CLI that will not go or a directory that will not leave is logged. */
  private async discard(agent: PooledAgent): Promise<void> {
    try {
      await agent.launched.run.close()
      removeTreeSync(agent.stateDir)
    } catch (err) {
      this.options.logger.warn(`warm pool: ${agent.id} was not cleaned up: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}
