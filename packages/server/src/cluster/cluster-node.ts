// This node's part in the cluster: it heartbeats, holds the leases of the sessions it serves
// (renewing them every third of a lease), notices a lease it lost and has the session stopped
// at once, takes over sessions whose owner died, and says where any session is served.
// PostgreSQL decides every race (one statement each); this node only keeps its own fences.
import { freemem } from 'node:os'
import type pg from 'pg'
import { poolFor } from '../event-log/postgres-pool.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ClusterSettings } from './cluster-settings.js'
import type { Fence } from './fence.js'
import { Leases } from './leases.js'
import { NodeClaim } from './node-claim.js'
import { NodeRegistry, type NodeRow } from './node-registry.js'
import { ensureClusterSchema } from './schema.js'
import { checkSharedDataDir } from './shared-data-dir.js'

/** What the node asks of its sessions. */
export interface ClusterHooks {
  /** Load the session from the store and serve it here; false when it no longer exists. */
  adopt(sessionId: string): Promise<boolean>
  /** The lease is gone: stop the session here at once, writing nothing more. */
  lost(sessionId: string): void
  /** Sessions whose CLI runs (reported in the heartbeat). */
  agents(): number
}

const notServedHere = (sessionId: string, owner: string) =>
  new ServerError('LEASE_LOST', `Session "${sessionId}" moved to node "${owner}" meanwhile; retry`, { sessionId })

export class ClusterNode {
  readonly id: string
  readonly url: string
  private readonly pool: pg.Pool
  private readonly leases: Leases
  private readonly registry: NodeRegistry
  private readonly fences = new Map<string, Fence>()
  /** Sessions whose lease is taken and which are being loaded: served once loaded. */
  private readonly adopting = new Map<string, Promise<boolean>>()
  /** Sessions being taken here (the lease, then the load): one take however many ask at once. */
  private readonly taking = new Map<string, Promise<boolean>>()
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  /** The takeovers under way: apart from the ticks, so loading a session never holds up renewals. */
  private takingOver: Promise<void> | undefined
  private draining = false
  /** Sessions this node lost or failed to load, and when (monotonic ms): left to the other
   * nodes for a lease. */
  private readonly lostAt = new Map<string, number>()
  /** When the last renewal that succeeded was sent (monotonic ms). */
  private renewedAt = performance.now()
  /** When each lease was taken (monotonic ms): held a lease from then, whatever the renewals. */
  private readonly claimedAt = new Map<string, number>()
  private hooks: ClusterHooks | undefined

  private constructor(
    private readonly settings: ClusterSettings,
    databaseUrl: string,
    url: string,
    private readonly logger: Logger,
    /** This node's hold on its id: no other live node serves under it. */
    private readonly idClaim: NodeClaim,
    /** DATABASE_QUERY_TIMEOUT_MS, as the store's. */
    queryTimeoutMs: number | undefined,
  ) {
    this.id = settings.nodeId
    this.url = url
    this.pool = poolFor(databaseUrl, {
      max: 4,
      queryTimeoutMs,
      // An idle client's error (the database restarted) must not end the process.
      onIdleError: (err) => logger.warn(`cluster database: ${err.message}`),
    })
    this.leases = new Leases(this.pool, this.id, settings.leaseMs)
    this.registry = new NodeRegistry(this.pool, { id: this.id, url, maxSessions: settings.maxSessions }, settings.leaseMs)
  }

  /** Connects, makes the tables and says this node is alive; nothing is served yet. */
  static async join(
    settings: ClusterSettings,
    database: { url: string; queryTimeoutMs: number | undefined },
    url: string,
    logger: Logger,
    dataDir: string,
  ): Promise<ClusterNode> {
    // First: a second node under this id must not heartbeat over the first one's row.
    const claim = await NodeClaim.take(database.url, settings.nodeId, settings.leaseMs, logger, database.queryTimeoutMs)
    const node = new ClusterNode(settings, database.url, url, logger, claim, database.queryTimeoutMs)
    try {
      await ensureClusterSchema(node.pool)
      await checkSharedDataDir(node.pool, dataDir)
      await node.heartbeat()
    } catch (err) {
      await node.pool.end().catch(() => {})
      await claim.close()
      throw err
    }
    return node
  }

  /** Starts the heartbeat, renewals and takeovers. */
  start(hooks: ClusterHooks): void {
    this.hooks = hooks
    this.timer = setInterval(
      () => {
        // Checked at every beat, not only when a tick starts: a renewal that hangs (the database
        // unreachable, not refusing) holds the next tick back, and the leases lapse meanwhile.
        this.loseUnrenewed()
        void this.tick()
      },
      Math.max(100, Math.floor(this.settings.leaseMs / 3)),
    )
    void this.tick()
  }

  /** The fence this node writes a session under. One it does not own (any more) gets a fence
   * no lease matches (epoch 0), so a late write of a lost session is refused, never unfenced. */
  fence(sessionId: string): Fence {
    return this.fences.get(sessionId) ?? { node: this.id, epoch: 0 }
  }

  /** Whether this node holds the session's lease. */
  owns(sessionId: string): boolean {
    return this.fences.has(sessionId)
  }

  get owned(): string[] {
    return [...this.fences.keys()]
  }

  /** Takes the session's lease; false while another node holds it. */
  async claim(sessionId: string): Promise<boolean> {
    if (this.fences.has(sessionId)) return true
    const sent = performance.now()
    const fence = await this.leases.acquire(sessionId)
    if (fence) {
      this.fences.set(sessionId, fence)
      this.claimedAt.set(sessionId, sent)
    }
    return fence !== undefined
  }

  /** Hands the session on: another node may take it at once. */
  async release(sessionId: string): Promise<void> {
    const fence = this.fences.get(sessionId)
    if (!fence) return
    this.fences.delete(sessionId)
    await this.leases.release(sessionId, fence)
  }

  /** The lease turned out lost (a write was refused): forgotten here, the database unchanged. */
  drop(sessionId: string): void {
    if (this.fences.delete(sessionId)) this.logger.warn(`cluster: lost the lease of session ${sessionId}; stopping it here`)
  }

  /** A deleted session: its lease goes too. */
  async forget(sessionId: string): Promise<void> {
    const fence = this.fences.get(sessionId)
    if (!fence) return // not this node's (any more): the lease is its holder's to drop
    this.fences.delete(sessionId)
    await this.leases.drop(sessionId, fence)
  }

  /** Where the session is served: another node's URL, or undefined for here (taking it over
   * when nobody holds it and it exists). `forwarded`: another node sent the request here, so
   * a session owned elsewhere is refused (LEASE_LOST, retryable) rather than sent on. */
  async locate(sessionId: string, forwarded = false): Promise<string | undefined> {
    if (this.fences.has(sessionId)) {
      await this.adopting.get(sessionId)
      return undefined
    }
    const owner = await this.leases.owner(sessionId)
    if (owner && owner.node !== this.id) {
      if (forwarded) throw notServedHere(sessionId, owner.node)
      return owner.url
    }
    if (this.draining) return undefined
    if (await this.take(sessionId)) return undefined
    const now = await this.leases.owner(sessionId)
    if (now && forwarded) throw notServedHere(sessionId, now.node)
    return now?.url
  }

  /** Where a new session goes (CLUSTER_FULL when nowhere). */
  place(): Promise<NodeRow> {
    return this.registry.place()
  }

  /** SIGTERM: nothing new is placed here, nothing is taken over. */
  drain(): void {
    this.draining = true
    void this.heartbeat().catch(() => {})
  }

  /** Stops the timers, gives every lease up and leaves the cluster. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.ticking
    await this.takingOver
    const fences = [...this.fences]
    this.fences.clear()
    try {
      await Promise.all(fences.map(([id, fence]) => this.leases.release(id, fence)))
      await this.registry.leave()
    } catch (err) {
      this.logger.warn(`cluster: leaving failed: ${(err as Error).message}`)
    }
    await this.pool.end()
    await this.idClaim.close()
  }

  private heartbeat(): Promise<void> {
    return this.registry.heartbeat({ agents: this.hooks?.agents() ?? 0, freeMemory: freemem(), draining: this.draining })
  }

  private tick(): Promise<void> {
    this.ticking ??= this.renewAndTakeOver()
      .catch((err: unknown) => this.logger.warn(`cluster: ${(err as Error).message}`))
      .finally(() => (this.ticking = undefined))
    return this.ticking
  }

  /** Not renewed for a whole lease (paused: SIGSTOP, a stalled VM; or a renewal hanging): every
   * lease may have moved, so every session stops here before the database is asked again. */
  private loseUnrenewed(): void {
    const now = performance.now()
    for (const id of this.claimedAt.keys()) if (!this.fences.has(id)) this.claimedAt.delete(id)
    for (const id of [...this.fences.keys()]) {
      if (now - Math.max(this.renewedAt, this.claimedAt.get(id) ?? 0) > this.settings.leaseMs) this.lose(id)
    }
  }

  private async renewAndTakeOver(): Promise<void> {
    this.loseUnrenewed()
    const sent = performance.now()
    // Only the leases asked about can be judged: one taken while the renewal ran is not in it.
    const asked = new Map(this.fences)
    const held = await this.leases.renew(asked)
    this.renewedAt = sent
    for (const [id, fence] of asked) if (!held.has(id) && this.fences.get(id) === fence) this.lose(id)
    await this.heartbeat()
    if (!this.draining) this.startTakeOver()
  }

  /** Looks for sessions to take over unless a look is still loading sessions: a slow load
   * (a busy database, many sessions) must not stop the renewals that keep this node's leases. */
  private startTakeOver(): void {
    this.takingOver ??= this.takeOver()
      .catch((err: unknown) => this.logger.warn(`cluster: taking over: ${(err as Error).message}`))
      .finally(() => (this.takingOver = undefined))
  }

  private lose(sessionId: string): void {
    if (!this.fences.delete(sessionId)) return
    this.lostAt.set(sessionId, performance.now())
    this.logger.warn(`cluster: lost the lease of session ${sessionId}; stopping it here`)
    this.hooks?.lost(sessionId)
  }

  /** Sessions whose owner died (or handed them on), up to this node's room. A session this
   * node lost itself (it stalled) is left to the others for a lease's time; after that, if
   * nobody took it, this node may. */
  private async takeOver(): Promise<void> {
    const room = this.settings.maxSessions - this.fences.size
    if (room <= 0) return
    const now = performance.now()
    for (const [id, at] of this.lostAt) if (now - at >= this.settings.leaseMs) this.lostAt.delete(id)
    let taken = 0
    for (const id of await this.leases.orphaned(room + this.lostAt.size)) {
      // Told to stop meanwhile (a look runs beside the ticks): it takes nothing more.
      if (this.draining) return
      if (taken >= room || this.lostAt.has(id) || this.fences.has(id)) continue
      if (!(await this.take(id))) continue
      taken++
      this.logger.info(`cluster: took over session ${id}`)
    }
  }

  /** Takes the lease and loads the session, once: a request asking for it while a takeover
   * takes it (or the other way round) waits for the same take. False: another node holds it. */
  private take(sessionId: string): Promise<boolean> {
    const pending = this.taking.get(sessionId)
    if (pending) return pending
    if (this.fences.has(sessionId)) return (this.adopting.get(sessionId) ?? Promise.resolve()).then(() => true)
    const taking = (async () => {
      if (!(await this.claim(sessionId))) return false
      await this.adopt(sessionId)
      return true
    })().finally(() => this.taking.delete(sessionId))
    this.taking.set(sessionId, taking)
    return taking
  }

  /** Loads a session whose lease this node just took; a session that no longer exists loses its lease. */
  private adopt(sessionId: string): Promise<boolean> {
    const pending = this.adopting.get(sessionId)
    if (pending) return pending
    const loading = (async () => {
      try {
        if (await this.hooks?.adopt(sessionId)) {
          // Lost while it loaded (a renewal found the lease gone): stopped here again at once.
          if (!this.fences.has(sessionId)) this.hooks?.lost(sessionId)
          return true
        }
      } catch (err) {
        this.logger.warn(`cluster: loading session ${sessionId} failed: ${(err as Error).message}`)
        // Left to the other nodes for a lease, as a lost one: released, it would come first in
        // every look and, failing each time, take the room of the sessions behind it.
        this.lostAt.set(sessionId, performance.now())
        await this.release(sessionId)
        return false
      }
      await this.forget(sessionId)
      return false
    })().finally(() => this.adopting.delete(sessionId))
    this.adopting.set(sessionId, loading)
    return loading
  }
}
