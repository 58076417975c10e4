// How many CLIs this server runs at once (MAX_RUNNING_AGENTS). Each holds ~235 MB, and a few
// members prompting their sessions would otherwise start more than the machine holds. A CLI
// takes a slot before it starts (one synchronous step, so racing starts see each other); a
// stopped CLI's process counts until it has exited, and a slot's CLI starts only once there
// is room among the processes (its `ready`): a release never overlaps the start it is for; at
// the cap a warm-pool CLI goes first, then the least recently used idle one of a session
// (released as the idle timeout releases it: its next prompt resumes the conversation); when
// every CLI is busy the start is refused with AGENT_CAPACITY. Per node: in a cluster each node
// counts its own CLIs.
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { agentCapacityRefused, agentReleasedForCapacity, reportAgentCapacity } from '../metrics/metrics.js'

/** A session's running CLI, as the cap sees it. */
export interface CapacityHolder {
  readonly sessionId: string
  /** No turn runs and no approval is open: it may be released. */
  releasable(): boolean
  /** Releases it as the idle timeout does; its slot is freed before this returns. */
  release(): void
}

/** The warm pool's CLIs, for sessions to come: counted, and the first to go. */
export interface PooledAgents {
  readonly size: number
  /** Stops one of them (its count drops at once); resolves once its process has exited; false
   * when none is left. */
  releaseOne(): Promise<void> | false
}

/** A running CLI's place under the cap. */
export interface AgentSlot {
  /** It was used (a turn began or ended): the last to be released. */
  touch(): void
  /** Its CLI stopped; `exited`: resolves once its process has, which counts until then. Idempotent. */
  free(exited?: Promise<void>): void
  /** Resolves when the CLI may start (others' processes have exited); none: it may now. */
  readonly ready: Promise<void> | undefined
}

interface Held {
  holder: CapacityHolder
  lastUsed: number
  /** Its process may run (its ready resolved, or it never waited). */
  started: boolean
}

export class AgentCapacity {
  private readonly held = new Set<Held>()
  /** Slots whose CLI waits for room among the processes, first come first started. */
  private readonly waiting: Array<{ entry: Held; start: () => void }> = []
  /** Stopped CLIs whose process has not exited yet. */
  private exiting = 0
  private pool: PooledAgents | undefined
  private readonly freeListeners = new Set<() => void>()
  /** A counter rather than a clock: two uses in one millisecond still have an order. */
  private uses = 0
  private readonly stopReporting: () => void

  /** `max` 0: no cap. */
  constructor(
    readonly max: number,
    private readonly logger: Logger,
  ) {
    this.stopReporting = reportAgentCapacity(() => ({ running: this.running, cap: this.max }))
  }

  /** CLI processes now: the sessions' (those started), the warm pool's, those still exiting. */
  get running(): number {
    let started = 0
    for (const entry of this.held) if (entry.started) started++
    return started + this.exiting + (this.pool?.size ?? 0)
  }

  /** CLIs with a slot, started or waiting to (what a start may release to make room). */
  private get committed(): number {
    return this.held.size + (this.pool?.size ?? 0)
  }

  /** Whether one more CLI may start now without releasing another nor waiting for an exit. */
  get hasRoom(): boolean {
    return this.max === 0 || this.committed + this.exiting < this.max
  }

  /** Counts the warm pool's CLIs (and releases them first). */
  attachPool(pool: PooledAgents): void {
    this.pool = pool
  }

  /** `listener` runs whenever a slot is freed (the warm pool refills then). */
  onFree(listener: () => void): () => void {
    this.freeListeners.add(listener)
    return () => this.freeListeners.delete(listener)
  }

  /** Throws AGENT_CAPACITY when a CLI could not start now, even by releasing another; changes nothing. */
  check(): void {
    if (this.hasRoom || (this.pool?.size ?? 0) > 0 || this.leastRecentlyUsed() !== undefined) return
    agentCapacityRefused()
    throw this.refusal()
  }

  /** A slot for a CLI about to start, releasing others at the cap. `adopting`: the CLI runs
   * already (taken from the warm pool, where it was counted), so it always gets one.
   * @throws AGENT_CAPACITY when every running CLI is busy. */
  acquire(holder: CapacityHolder, adopting = false): AgentSlot {
    while (!adopting && this.max > 0 && this.committed >= this.max) this.releaseOne(holder)
    const entry: Held = { holder, lastUsed: ++this.uses, started: true }
    // Its place is taken now; its process waits while stopped ones still exit (or others wait).
    const wait = !adopting && this.max > 0 && (this.waiting.length > 0 || this.running >= this.max)
    let ready: Promise<void> | undefined
    if (wait) {
      entry.started = false
      ready = new Promise((start) => this.waiting.push({ entry, start }))
    }
    this.held.add(entry)
    return {
      ready,
      touch: () => {
        entry.lastUsed = ++this.uses
      },
      free: (exited) => {
        if (!this.held.delete(entry)) return
        const queued = this.waiting.findIndex((w) => w.entry === entry)
        if (queued >= 0)
          this.waiting.splice(queued, 1)[0]!.start() // its run, closed, will not start
        else if (exited) this.untilExited(exited)
        this.freed()
      },
    }
  }

  /** A stopped CLI's process counts until it has exited. */
  private untilExited(exited: Promise<void>): void {
    this.exiting++
    void exited
      .catch(() => undefined)
      .then(() => {
        this.exiting--
        this.freed()
      })
  }

  /** Starts the waiting CLIs there is room for now, then tells the listeners (the warm pool). */
  private freed(): void {
    while (this.waiting.length > 0 && this.running < this.max) {
      const { entry, start } = this.waiting.shift()!
      entry.started = true
      start()
    }
    for (const listener of this.freeListeners) listener()
  }

  close(): void {
    this.stopReporting()
    this.freeListeners.clear()
  }

  private releaseOne(forSession: CapacityHolder): void {
    const poolExit = this.pool?.releaseOne()
    if (poolExit) {
      this.untilExited(poolExit)
      this.released('a warm-pool CLI', forSession)
      return
    }
    const victim = this.leastRecentlyUsed()
    if (!victim) {
      agentCapacityRefused()
      throw this.refusal()
    }
    this.released(`the idle CLI of session ${victim.holder.sessionId}`, forSession)
    victim.holder.release()
    // Its release frees the slot; were it not to, the loop above must still end.
    this.held.delete(victim)
  }

  private released(what: string, forSession: CapacityHolder): void {
    agentReleasedForCapacity()
    this.logger.info(`agent cap (${this.max}) reached: released ${what} for session ${forSession.sessionId}`)
  }

  private leastRecentlyUsed(): Held | undefined {
    let oldest: Held | undefined
    for (const entry of this.held) if (entry.holder.releasable() && (!oldest || entry.lastUsed < oldest.lastUsed)) oldest = entry
    return oldest
  }

  private refusal(): ServerError {
    return new ServerError(
      'AGENT_CAPACITY',
      `The server is at its limit of ${this.max} running agents and every one is busy: try again once a turn has ended`,
      { limit: this.max, running: this.running },
    )
  }
}
