// Tells the other nodes that this node's sessions list changed, and hears when theirs did,
// through PostgreSQL's LISTEN/NOTIFY: a watcher of the live list (GET /sessions-live) on any
// node hears of a session made, changed or deleted on another one at once, and nothing is
// queried while nothing changes. A notification carries only the sending node's id; the
// listener reads the list from the store. Changes close together leave as one notification.
// One connection of its own listens and notifies. When it drops it is made again; then its
// listeners are told once and the other nodes too, since either side may have missed some.
// A node killed with a change not yet sent (it coalesces) never sends it: so the listeners
// are also told once every `catchUpMs` (a lease), and read the list again then.
import pg from 'pg'
import type { Logger } from '../logger.js'

export const SESSIONS_CHANNEL = 'claude_agent_sessions'
/** Changes this close together leave as one notification. */
const COALESCE_MS = 100
/** The wait before listening again after the connection dropped. */
const RELISTEN_MS = 1_000

export class SessionChanges {
  private readonly listeners = new Set<() => void>()
  private pending: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined
  private catchUp: NodeJS.Timeout | undefined
  /** The connection listening (or being connected). */
  private client: pg.Client | undefined
  private connected = false
  /** A change happened while not connected: notified once connected. */
  private owed = false
  /** Said once per outage, not at every retry. */
  private failing = false
  private closed = false

  constructor(
    private readonly databaseUrl: string,
    private readonly nodeId: string,
    private readonly logger: Logger,
    /** How often the listeners are told anyway (a dead node's last change is never sent). */
    private readonly catchUpMs?: number,
  ) {}

  /** Starts listening; resolves once the first LISTEN is in place (or failed, then retried). */
  async start(): Promise<void> {
    if (this.catchUpMs !== undefined && !this.catchUp) {
      this.catchUp = setInterval(() => this.tell(), this.catchUpMs)
      this.catchUp.unref()
    }
    await this.listen(false)
  }

  /** This node's list changed: the other nodes hear of it (coalesced). */
  changed(): void {
    if (this.closed) return
    this.pending ??= setTimeout(() => {
      this.pending = undefined
      this.notify()
    }, COALESCE_MS)
  }

  private notify(): void {
    const client = this.client
    if (!client || !this.connected) return void (this.owed = true)
    this.owed = false
    client.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, this.nodeId]).catch((err: unknown) => {
      this.owed = true
      this.logger.warn(`cluster: could not notify a sessions change: ${(err as Error).message}`)
    })
  }

  /** Another node's list changed (or notifications may have been missed). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.pending)
    clearTimeout(this.retry)
    clearInterval(this.catchUp)
    await this.client?.end().catch(() => {})
  }

  private async listen(missed: boolean): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5_000 })
    this.client = client
    this.connected = false
    client.on('notification', (message) => {
      if (message.payload !== this.nodeId) this.tell()
    })
    client.on('error', (err) => this.dropped(client, err))
    client.on('end', () => this.dropped(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${SESSIONS_CHANNEL}`)
      if (this.client !== client) return
      this.connected = true
      if (this.failing) this.logger.info('cluster: listening for sessions changes again')
      this.failing = false
      if (missed || this.owed) this.notify()
      if (missed) this.tell()
    } catch (err) {
      this.dropped(client, err as Error)
    }
  }

  private dropped(client: pg.Client, err?: Error): void {
    if (this.closed || this.client !== client) return
    this.client = undefined
    this.connected = false
    void client.end().catch(() => {})
    if (!this.failing) this.logger.warn(`cluster: listening for sessions changes stopped: ${err?.message ?? 'closed'}; retrying`)
    this.failing = true
    this.retry = setTimeout(() => {
      this.retry = undefined
      void this.listen(true)
    }, RELISTEN_MS)
  }

  private tell(): void {
    for (const listener of this.listeners) {
      try {
        listener()
      } catch (err) {
        this.logger.warn(`cluster: a sessions change listener failed: ${(err as Error).message}`)
      }
    }
  }
}
