// Cluster mode, wired to the server: the node joins once the server listens (its advertise URL
// needs the port), its sessions are the ones it holds leases of, requests for any other
// session go to its owner, a new session goes where there is room, and a stopping node hands
// its idle sessions on before its running turns end.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ServerError } from '../errors.js'
import { sendFailure } from '../http/respond.js'
import type { Logger } from '../logger.js'
import { DEFAULT_SESSION_ID, type SessionManager } from '../sessions/session-manager.js'
import type { ClusterSettings } from './cluster-settings.js'
import { ClusterNode } from './cluster-node.js'
import type { Fence } from './fence.js'
import { Forwarder, HOP_HEADER } from './forward.js'
import { SessionChanges } from './session-changes.js'

export class ClusterMode {
  private node: ClusterNode | undefined
  private readonly forwarder: Forwarder
  private joined: Promise<ClusterNode> | undefined
  private served: SessionManager | undefined
  private readonly changes: SessionChanges
  /** Checks a request's credentials (UNAUTHORIZED): a create is placed only once they hold. */
  private authenticate: ((req: IncomingMessage) => Promise<unknown>) | undefined

  constructor(
    private readonly settings: ClusterSettings,
    /** The store's database: the cluster's tables live beside its own. */
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    /** The DATA_DIR every node shares (checked at join). */
    private readonly dataDir: string,
    /** DATABASE_QUERY_TIMEOUT_MS, as the store's. */
    private readonly queryTimeoutMs?: number,
  ) {
    this.changes = new SessionChanges(databaseUrl, settings.nodeId, logger, settings.leaseMs)
    this.forwarder = new Forwarder({
      self: settings.nodeId,
      defaultSessionId: DEFAULT_SESSION_ID,
      locate: async (id, forwarded) => (await this.ready()).locate(id, forwarded),
    })
  }

  /** The sessions this node serves (made after this, since their appends ask it for fences). */
  serve(sessions: SessionManager): void {
    this.served = sessions
    sessions.onChange(() => this.changes.changed())
  }

  /** How a create's credentials are checked before it is placed (the server's authenticator). */
  checkCredentialsWith(authenticate: (req: IncomingMessage) => Promise<unknown>): void {
    this.authenticate = authenticate
  }

  /** Another node's sessions list changed (GET /sessions-live pushes the cluster's list). */
  onChangeElsewhere(listener: () => void): () => void {
    return this.changes.onChange(listener)
  }

  private get sessions(): SessionManager {
    if (!this.served) throw new Error('the cluster mode serves no sessions yet')
    return this.served
  }

  /** Joins the cluster at `url` (the advertise URL unless set) and starts serving its share. */
  async join(url: string): Promise<void> {
    this.joined = ClusterNode.join(
      this.settings,
      { url: this.databaseUrl, queryTimeoutMs: this.queryTimeoutMs },
      this.settings.advertiseUrl ?? url,
      this.logger,
      this.dataDir,
    )
    const node = await this.joined
    this.node = node
    await this.changes.start()
    node.start({
      adopt: async (id) => this.sessions.adopt(id),
      lost: (id) => void this.sessions.evict(id, 'its lease moved to another node'),
      agents: () => this.sessions.all().filter((s) => s.state === 'running' || s.state === 'idle').length,
    })
    this.logger.info(`cluster: node ${node.id} at ${node.url}`)
  }

  private ready(): Promise<ClusterNode> {
    if (!this.joined) throw new Error('the cluster node has not joined yet')
    return this.joined
  }

  /** The fence of a session's writes (one this node does not own gets a fence nothing matches). */
  fence(sessionId: string): Fence {
    return this.node?.fence(sessionId) ?? { node: this.settings.nodeId, epoch: 0 }
  }

  /** Whether this node holds the session's lease. */
  owns(sessionId: string): boolean {
    return this.node?.owns(sessionId) ?? false
  }

  /** A write of the session was refused (its lease moved): it stops here at once. */
  lost(sessionId: string): void {
    this.node?.drop(sessionId)
    void this.sessions.evict(sessionId, 'its lease moved to another node')
  }

  /** A create names this id: its lease is taken first, so the session is never stored while
   * another node holds the id (its delete there still removing the files in the shared
   * DATA_DIR, which would then be the new session's). Resolves with the undo for a create that
   * fails: a session that exists keeps a lease to be taken over, one that does not, none. */
  async claimForCreate(id: string): Promise<(err: unknown) => Promise<void>> {
    const node = await this.ready()
    if (node.owns(id)) return async () => {}
    if (!(await node.claim(id))) {
      throw new ServerError('SESSION_EXISTS', `A session with id "${id}" exists on another node (or is being deleted there)`)
    }
    return async (err) => {
      const exists = err instanceof ServerError && err.code === 'SESSION_EXISTS'
      await (exists ? node.release(id) : node.forget(id))
    }
  }

  /** A session created here: this node holds its lease from now on. */
  async created(sessionId: string): Promise<void> {
    await (await this.ready()).claim(sessionId)
  }

  /** A session deleted: its lease goes. */
  async deleted(sessionId: string): Promise<void> {
    await (await this.ready()).forget(sessionId)
  }

  /** HTTP: another node's session, or a create placed on another node, goes there. */
  readonly http = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (await this.placeElsewhere(req, res)) return true
    return this.forwarder.http(req, res)
  }

  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> => this.forwarder.upgrade(req, socket, head)

  /** POST /sessions from a client: created on the node with the most room (CLUSTER_FULL when
   * none). A caller without valid credentials hears 401 first, never where it would go. */
  private async placeElsewhere(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'POST' || req.url?.split('?', 1)[0] !== '/sessions') return false
    const node = await this.ready()
    try {
      if (!this.authenticate) throw new Error('the cluster cannot check credentials yet')
      await this.authenticate(req)
      // Placed here by another node, or sent with the hop header by anyone: created here, but
      // only while this node owns fewer sessions than its limit (two placements may race).
      if (req.headers[HOP_HEADER] !== undefined) {
        if (node.owned.length < this.settings.maxSessions) return false
        throw new ServerError(
          'CLUSTER_FULL',
          `Node "${node.id}" runs as many sessions as it may (${this.settings.maxSessions}); create it elsewhere`,
        )
      }
      const chosen = await node.place()
      if (chosen.id === node.id) return false
      this.forwarder.pipeHttp(req, res, chosen.url)
    } catch (err) {
      sendFailure(res, err, this.logger, 'cluster placement')
    }
    return true
  }

  /** SIGTERM: nothing more is placed or taken over here; idle sessions are handed on at once
   * (another node takes them on its next look); running turns keep the shutdown grace. */
  async handOff(): Promise<void> {
    const node = this.node
    if (!node) return
    node.drain()
    const idle = this.sessions.all().filter((s) => !s.isTurnRunning)
    await Promise.all(
      idle.map(async (session) => {
        await this.sessions.evict(session.id, 'the node hands the session on')
        await node.release(session.id)
      }),
    )
    if (idle.length > 0) this.logger.info(`cluster: handed ${idle.length} idle session(s) on`)
  }

  /** After the sessions stopped: every lease left is given up. */
  async close(): Promise<void> {
    await this.changes.close()
    await this.node?.close()
  }
}
