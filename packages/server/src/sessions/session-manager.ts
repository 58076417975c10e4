// Owns the server's sessions: creates, lists, deletes them, restores them from the store after
// a restart (marking turns the restart cut short), and stops them on shutdown. The default
// session, which the original protocol speaks to, is one of them.
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { redactConfig, type CreateSessionRequest, type QueryConfig, type SessionConfig, type SessionInfo } from '@claude-agent/protocol'
import type { AgentFactory } from '../agent/agent.js'
import { killOrphanedAgents } from '../agent/orphans.js'
import { isLeaseLost } from '../cluster/fence.js'
import type { AppendFence, SessionRecord, Store } from '../event-log/event-log.js'
import { newSessionRecord } from '../event-log/rows.js'
import { ServerError } from '../errors.js'
import { UsageCache } from '../files/usage.js'
import { agentOtelVars } from '../agent/otel-env.js'
import type { Logger } from '../logger.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import { defaultMaxRunningAgents, sessionWorkspacesDir, type ServerSettings } from '../settings.js'
import type { SessionAccess } from '../tenancy/access.js'
import type { Ledger } from '../usage/ledger.js'
import { AgentCapacity } from './agent-capacity.js'
import { realSessionCwd, type LaunchContext } from './agent-launcher.js'
import { Session, type SessionLimits } from './session.js'
import { withoutSecrets } from './session-config.js'
import { DEFAULT_SESSION_ID, WorkspaceLayout } from './workspace-layout.js'
import { WarmPool, type PooledAgent } from './warm-pool.js'
import { removeTree } from '../remove-tree.js'

export { DEFAULT_SESSION_ID }

export interface SessionManagerOptions {
  settings: ServerSettings
  agents: AgentFactory
  store: Store
  logger: Logger
  scrub: (text: string) => string
  /** Isolates each CLI process. */
  sandbox: Sandbox
  /** Shared with the files API, which measures before each write. @default a new one */
  usage?: UsageCache
  /** Counts model usage and holds the budgets. @default none: nothing is counted or capped */
  ledger?: Ledger
  /** In a cluster the store holds every node's sessions: this node serves only those it holds
   * the lease of (adopt), so none is restored at start. Each one's appends carry its fence. */
  cluster?: {
    fence: (sessionId: string) => AppendFence | undefined
    /** A write of the session was refused: its lease moved. */
    lost: (sessionId: string) => void
    /** Whether this node holds the session's lease (a create naming its id takes it first). */
    owns: (sessionId: string) => boolean
  }
}

/** What a named session's config leaves out: its agent asks before tools run. */
const NAMED_SESSION_DEFAULTS: Partial<SessionConfig> = { permissionMode: 'default' }

const newSessionId = () => `s_${randomUUID().replaceAll('-', '').slice(0, 20)}`

/** Where a session keeps its CLI state (HOME, CLAUDE_CONFIG_DIR, TMPDIR): the one place that says. */
export const sessionStateDir = (dataDir: string, id: string) => join(dataDir, 'sessions', id)

/** A create request the warm pool can serve: no id of its own, no config (so no posted key). */
const takesPooled = (request: CreateSessionRequest) =>
  request.id === undefined && (request.config === undefined || Object.keys(request.config).length === 0)

/** A session served by another node, as the store has it. */
const storedInfo = (record: SessionRecord, lastSeq: number): SessionInfo => ({
  id: record.id,
  conversationId: record.conversationId,
  state: record.state,
  createdAt: record.createdAt,
  lastSeq,
  config: redactConfig(record.config),
  clients: 0,
  owner: record.owner,
})

/** How long shutdown waits for interrupted turns to end. */
const INTERRUPTED_TURNS_MS = 2_000

/** How long a delete waits for the session's CLI and commands to exit before it removes its files. */
const DELETE_FILES_WAIT_MS = 10_000

/** Whether the session's CLI and commands exited within `ms`. */
async function settledWithin(session: Session, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([session.quiet().then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>()
  /** Ids being created (stored, not yet built): taken. */
  private readonly creating = new Set<string>()
  /** Ids of deleted sessions whose files are not removed yet: taken until they are, so a new
   * session of the same id never starts with (or keeps) what the deleted one left. */
  private readonly removing = new Set<string>()
  private stopping = false
  private readonly changeListeners = new Set<() => void>()
  private readonly context: LaunchContext
  private readonly limits: SessionLimits
  private warmPool: WarmPool | undefined

  /** The manager with every stored session restored (and the default session made). */
  static async open(options: SessionManagerOptions): Promise<SessionManager> {
    const manager = new SessionManager(options)
    await manager.load()
    return manager
  }

  private constructor(private readonly options: SessionManagerOptions) {
    const { settings } = options
    mkdirSync(settings.workspaceDir, { recursive: true })
    this.context = {
      agents: options.agents,
      sandbox: options.sandbox,
      layout: new WorkspaceLayout(settings.workspaceDir, sessionWorkspacesDir(settings)),
      usage: options.usage ?? new UsageCache(),
      agentVars: { ...settings.agentVars, ...agentOtelVars(settings.agentOtel) },
      demoModelUrl: settings.demoModelUrl,
      profile: settings.agentProfile,
      scrub: options.scrub,
      ledger: options.ledger,
      capacity: new AgentCapacity(settings.maxRunningAgents ?? defaultMaxRunningAgents(), options.logger),
    }
    this.limits = {
      idleTimeoutMs: settings.idleTimeoutMs,
      permissionTimeoutMs: settings.permissionTimeoutMs,
      turnSilenceTimeoutMs: settings.turnSilenceTimeoutMs,
      interruptTimeoutMs: settings.interruptTimeoutMs,
    }
    // In a cluster the data dir is shared: the CLIs under it may be other nodes' own.
    const orphans = options.cluster ? [] : killOrphanedAgents(join(settings.dataDir, 'sessions'))
    if (orphans.length > 0)
      options.logger.warn(`killed ${orphans.length} agent process(es) left by a previous server: ${orphans.join(', ')}`)
  }

  private async load(): Promise<void> {
    const { settings, store } = this.options
    if (this.options.cluster) await this.ensureDefaultRecord()
    else {
      for (const record of await store.listSessions()) await this.restore(record)
      if (!this.sessions.has(DEFAULT_SESSION_ID)) await this.insert(DEFAULT_SESSION_ID, {}, null)
    }
    if (settings.warmPoolSize > 0) {
      this.warmPool = new WarmPool({
        size: settings.warmPoolSize,
        context: this.context,
        config: NAMED_SESSION_DEFAULTS,
        newId: newSessionId,
        stateDir: (id) => sessionStateDir(settings.dataDir, id),
        workspace: (id) => this.context.layout.workspaceFor(id, {}),
        logger: this.options.logger,
      })
    }
  }

  /** CLIs started ahead for new sessions with the default config. */
  get pool(): WarmPool | undefined {
    return this.warmPool
  }

  /** Called whenever what `list()` shows may have changed (GET /sessions-live pushes it). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener()
  }

  get shuttingDown(): boolean {
    return this.stopping
  }

  /** Whether a session's next CLI answers from the offline demo model: the server has no
   * credential of its own and the session's config posted no key. */
  isDemo(id: string = DEFAULT_SESSION_ID): boolean {
    // In a cluster the default session may be served elsewhere: then the server's own answer.
    if (this.options.cluster && !this.sessions.has(id)) return this.context.demoModelUrl !== undefined
    return this.get(id).isDemo
  }

  /** The posted config of the default session (secrets included: never return it as is). */
  getConfig(): QueryConfig {
    return this.defaultSession.postedConfig
  }

  /** Replaces the default session's config (as the original did); a running agent keeps its own. */
  setConfig(config: QueryConfig): Promise<void> {
    return this.defaultSession.replaceConfig(config)
  }

  /** `owner`: the creating principal's id; null (the admins') when absent. Resolves once stored. */
  async create(request: CreateSessionRequest, owner: string | null = null): Promise<Session> {
    const pooled = takesPooled(request) ? this.pool?.take() : undefined
    if (pooled) {
      // Its model requests count against its principal from now on.
      pooled.metered.principal = owner
      const session = await this.insert(pooled.id, {}, owner, pooled)
      // Its CLI runs already: the session says so (idle) from the start.
      session.prewarm()
      return session
    }
    const id = request.id ?? newSessionId()
    if (this.sessions.has(id) || this.creating.has(id)) throw new ServerError('SESSION_EXISTS', `A session with id "${id}" already exists`)
    if (this.removing.has(id))
      throw new ServerError('SESSION_EXISTS', `The session "${id}" is being deleted; its id is free once its files are removed`)
    const config = request.config ?? {}
    this.creating.add(id)
    try {
      await this.removeLeftovers(id, config)
      try {
        realSessionCwd(this.context.layout.workspaceFor(id, config), config.cwd)
      } catch (err) {
        this.context.layout.removeOwn(id, config) // a refused session leaves no directory
        throw err
      }
    } finally {
      this.creating.delete(id)
    }
    return this.insert(id, config, owner)
  }

  /** Files of a session with this id that no stored session owns: left by a delete the server
   * was killed in (after its commit, before its removal). A new session starts without them.
   * In a cluster DATA_DIR is shared: only once this node holds the id's lease, which a node
   * deleting the id keeps until its files are gone. */
  private async removeLeftovers(id: string, config: SessionConfig): Promise<void> {
    const cluster = this.options.cluster
    if ((cluster && !cluster.owns(id)) || (await this.options.store.getSession(id))) return
    await removeTree(sessionStateDir(this.options.settings.dataDir, id))
    await this.context.layout.removeOwnTree(id, config)
  }

  /** Who may read a session besides its owner and the admins (tenancy/access.ts). In effect at
   * once (a removed reader loses access now, and two changes never undo each other); resolves
   * once stored. */
  async setReaders(id: string, readers: string[]): Promise<void> {
    const session = this.get(id)
    const before = session.readers
    session.setReaders(readers)
    const cluster = this.options.cluster
    try {
      await this.options.store.updateReaders(id, readers, cluster?.fence(id))
    } catch (err) {
      // Its lease moved: the caller hears LEASE_LOST (retry: the owner serves it) and it stops here.
      if (cluster && isLeaseLost(err)) cluster.lost(id)
      // Not stored: what is in effect goes back to what is stored, unless a later change came.
      else if (session.readers === readers) session.setReaders([...before])
      throw err
    }
  }

  get(id: string): Session {
    const session = this.sessions.get(id)
    if (!session) throw new ServerError('SESSION_NOT_FOUND', `No session with id "${id}"`)
    return session
  }

  get defaultSession(): Session {
    return this.get(DEFAULT_SESSION_ID)
  }

  list(): SessionInfo[] {
    return this.all().map((s) => s.info())
  }

  all(): Session[] {
    return [...this.sessions.values()]
  }

  get size(): number {
    return this.sessions.size
  }

  /** Deletes a session, its history and its CLI state. The default session cannot be deleted.
   * Gone from the list at once; resolves once its history is deleted and, when its CLI exits
   * within DELETE_FILES_WAIT_MS, its files too. */
  async delete(id: string): Promise<void> {
    if (id === DEFAULT_SESSION_ID) throw new ServerError('INVALID_REQUEST', 'The default session cannot be deleted')
    const session = this.get(id)
    const cluster = this.options.cluster
    const fence = cluster?.fence(id)
    // Its CLI stops before its rows go (nothing appends after them); its clients hear how the
    // delete ended.
    session.halt()
    this.sessions.delete(id)
    this.removing.add(id)
    try {
      await this.options.store.deleteSession(id, fence)
    } catch (err) {
      this.removing.delete(id)
      if (cluster && isLeaseLost(err)) {
        // Its lease moved (this node was paused or cut off): the new owner serves it, history
        // and files untouched; the caller hears LEASE_LOST (a retry reaches the owner), and its
        // clients here reconnect to the owner.
        session.moveAway(`Session "${id}" moved to another node before it could be deleted here; reconnect`)
        cluster.lost(id)
      } else {
        // Not deleted (the store failed): served again from its stored record, so its clients'
        // reconnect and the caller's retry find it.
        session.notDeleted(`Session "${id}" was not deleted (the store failed); reconnect`)
        void this.adopt(id).catch((again: unknown) =>
          this.options.logger.warn(`session ${id}: not deleted, and not restored: ${String(again)}`),
        )
      }
      throw err
    }
    session.close()
    this.changed()
    // Its files go once its CLI has exited, unless a new session took the id meanwhile; and
    // before the caller drops its lease: in a cluster DATA_DIR is shared, and once the lease is
    // gone the id may be made again on another node, whose files these would then be.
    const config = session.info().config
    const removeFiles = async () => {
      // Served here again meanwhile (a cluster node adopted a session made anew elsewhere).
      if (this.sessions.has(id)) return void this.removing.delete(id)
      try {
        // Off the event loop: the agent made these trees, and a million files took a
        // synchronous rm 72 s, in which no session of the server was served.
        await removeTree(session.stateDir)
        await this.context.layout.removeOwnTree(id, config)
      } catch (err) {
        // The session is deleted all the same; what is left is the operator's to remove.
        this.options.logger.warn(`session ${id}: deleted, but its files were not all removed: ${String(err)}`)
      } finally {
        // The id is free once its files are gone (create refuses it until then).
        this.removing.delete(id)
      }
    }
    if (await settledWithin(session, DELETE_FILES_WAIT_MS)) return removeFiles()
    this.options.logger.warn(
      `session ${id}: its CLI or a command had not exited ${DELETE_FILES_WAIT_MS} ms after the delete; its files go once they have`,
    )
    void session.quiet().then(removeFiles)
  }

  /** Let running turns finish for up to `graceMs` (no queued prompt starts meanwhile), then
   * interrupt the rest, then stop every agent. With 0: stop at once, recording running turns
   * as interrupted. Resolves once every CLI process has exited. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true
    const pool = this.pool?.close()
    const all = [...this.sessions.values()]
    for (const session of all) session.drain()
    if (graceMs > 0) {
      await this.turnsEnd(all, graceMs)
      await Promise.all(all.filter((s) => s.isTurnRunning).map((s) => s.interrupt()))
      await this.turnsEnd(all, INTERRUPTED_TURNS_MS)
    }
    for (const session of all) session.stop('the server shut down')
    await Promise.all([...all.map((s) => s.settled()), pool])
    this.context.capacity?.close()
  }

  /** The principal the shared workspace `name` belongs to, claimed for `principal` when it
   * has none (tenancy/access.ts: authorizeSharedWorkspace decides). A directory made before
   * owners were recorded is claimed only when no other principal's session works in it (in a
   * cluster: on any node); its owners are then those sessions'. `limit` (0: none): how many
   * shared workspaces the principal may own; claiming one more is FORBIDDEN
   * (`shared_workspace_limit`), counted and claimed in one synchronous step so creates racing
   * each other see each other. */
  async sharedWorkspaceOwner(name: string, principal: string, limit = 0): Promise<string[]> {
    const recorded = this.context.layout.sharedOwner(name)
    if (recorded !== undefined) return [recorded]
    const named = (config: SessionConfig) => config.workspace?.shared === name
    const here = this.all().filter((s) => named(s.postedConfig))
    const elsewhere = this.options.cluster
      ? (await this.options.store.listSessions()).filter((r) => !this.sessions.has(r.id) && named(r.config))
      : []
    // A session without an owner (made by an open server) is the admins': not the principal's.
    const owners = [...here, ...elsewhere].map((s) => s.owner ?? '(no owner)')
    if (owners.some((o) => o !== principal)) return [...new Set(owners)]
    const { layout } = this.context
    if (limit > 0 && layout.sharedOwner(name) === undefined) {
      const owned = layout.sharedOwnedBy(principal)
      if (owned >= limit) {
        throw new ServerError('FORBIDDEN', `${principal} owns as many shared workspaces as it may (${limit}): remove one by hand first`, {
          action: 'shared_workspace_limit',
          limit,
          owned,
        })
      }
    }
    return [layout.claimShared(name, principal)]
  }

  /** Every session with what access needs of it: in a cluster, also those other nodes serve
   * (as stored: no clients or usage counted here). */
  async listAll(): Promise<{ access: SessionAccess; info: () => SessionInfo }[]> {
    const here = this.all().map((s) => ({ access: s, info: () => s.info() }))
    if (!this.options.cluster) return here
    const { store } = this.options
    const elsewhere = (await store.listSessions()).filter((r) => !this.sessions.has(r.id))
    // One read for all of them: the list is rebuilt whenever any node's sessions change.
    const lastSeqs = await store.lastSeqsOf(elsewhere.map((r) => r.id))
    return [...here, ...elsewhere.map((record) => ({ access: record, info: () => storedInfo(record, lastSeqs.get(record.id) ?? 0) }))]
  }

  /** In a cluster: serves a stored session here (this node took its lease); a turn its last
   * node was running is recorded as interrupted. False when it no longer exists. */
  async adopt(id: string): Promise<boolean> {
    if (this.sessions.has(id)) return true
    const record = await this.options.store.getSession(id)
    if (!record) return false
    if (!this.sessions.has(id)) await this.restore(record)
    return true
  }

  /** In a cluster: stops serving a session here (its lease is gone or handed on); it stays
   * stored. Its clients are told to reconnect. Resolves once its CLI has exited. */
  evict(id: string, reason: string): Promise<void> {
    const session = this.sessions.get(id)
    if (!session) return Promise.resolve()
    this.sessions.delete(id)
    session.moveAway(`Session "${id}" moved to another node: ${reason}; reconnect`)
    return session.settled()
  }

  /** Whether the session is served here now. */
  has(id: string): boolean {
    return this.sessions.has(id)
  }

  /** Where a session keeps its CLI state (HOME, CLAUDE_CONFIG_DIR, TMPDIR); exec uses it too. */
  stateDir(id: string): string {
    return this.get(id).stateDir
  }

  /** Resolves when no session runs a turn, or after `ms`. */
  private async turnsEnd(sessions: Session[], ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
    await Promise.race([Promise.all(sessions.map((s) => s.turnEnded())), bound])
    clearTimeout(timer)
  }

  /** The default session's row, made by whichever node starts first. */
  private async ensureDefaultRecord(): Promise<void> {
    const { store } = this.options
    if (await store.getSession(DEFAULT_SESSION_ID)) return
    try {
      await store.insertSession(newSessionRecord(DEFAULT_SESSION_ID))
    } catch (err) {
      if (!(err instanceof ServerError && err.code === 'SESSION_EXISTS')) throw err
    }
  }

  /** A new session: stored (without its key), then built. */
  private async insert(id: string, config: SessionConfig, owner: string | null = null, pooled?: PooledAgent): Promise<Session> {
    const record = newSessionRecord(id, { conversationId: pooled?.conversationId ?? randomUUID(), config: withoutSecrets(config), owner })
    this.creating.add(id)
    try {
      await this.options.store.insertSession(record)
      return await this.restore(record, config, pooled, 0)
    } finally {
      this.creating.delete(id)
    }
  }

  /** Wraps a stored record; a turn the last process was running is recorded as interrupted. */
  private async restore(
    record: SessionRecord,
    config: SessionConfig = record.config,
    pooled?: PooledAgent,
    lastSeq?: number,
  ): Promise<Session> {
    const isDefault = record.id === DEFAULT_SESSION_ID
    const session = new Session({
      record,
      lastSeq: lastSeq ?? (await this.options.store.lastSeq(record.id)),
      config,
      // The original protocol has no frame to answer an approval with, so the default session
      // bypasses permissions unless its config says otherwise; named sessions ask.
      defaults: isDefault ? { permissionMode: 'bypassPermissions' } : NAMED_SESSION_DEFAULTS,
      context: this.context,
      stateDir: sessionStateDir(this.options.settings.dataDir, record.id),
      store: this.options.store,
      logger: this.options.logger.child({ sessionId: record.id }),
      limits: this.limits,
      releaseWhenUnattended: isDefault,
      ...(pooled && { pooled }),
      onChange: () => this.changed(),
      ...(this.options.cluster && {
        fence: () => this.options.cluster!.fence(record.id),
        leaseLost: () => this.options.cluster!.lost(record.id),
      }),
    })
    this.sessions.set(record.id, session)
    await session.recoverAfterRestart()
    this.changed()
    return session
  }
}
