// How many CLIs this server runs at once (MAX_RUNNING_AGENTS). Each holds ~235 MB, and a few
// members prompting their sessions would otherwise start more than the machine holds. A CLI
// takes a slot before it starts (one synchronous step, so racing starts see each other); at
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
  /** Stops one of them (its count drops at once); false when none is left. */
  releaseOne(): boolean
}

/** A running CLI's place under the cap. */
export interface AgentSlot {
  /** It was used (a turn began or ended): the last to be released. */
  touch(): void
  /** Its CLI stopped; idempotent. */
  free(): void
}

interface Held {
  holder: CapacityHolder
  lastUsed: number
}

export class AgentCapacity {
  private readonly held = new Set<Held>()
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

  /** CLIs running now: the sessions' and the warm pool's. */
  get running(): number {
    return this.held.size + (this.pool?.size ?? 0)
  }

  /** Whether one more CLI may start without releasing another. */
  get hasRoom(): boolean {
    return this.max === 0 || this.running < this.max
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
    while (!adopting && !this.hasRoom) this.releaseOne(holder)
    const entry: Held = { holder, lastUsed: ++this.uses }
    this.held.add(entry)
    return {
      touch: () => {
        entry.lastUsed = ++this.uses
      },
      free: () => {
        if (!this.held.delete(entry)) return
        for (const listener of this.freeListeners) listener()
      },
    }
  }

  close(): void {
    this.stopReporting()
    this.freeListeners.clear()
  }

  private releaseOne(forSession: CapacityHolder): void {
    if (this.pool?.releaseOne()) {
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
