// One live process per CLUSTER_NODE_ID. Two nodes under one id (two servers on one host, both
// named after its hostname by default) would each take the other's leases as their own: every
// request one of them serves steals the session from the other, stopping its turn, and their
// heartbeats overwrite each other's URL. So a node holds a PostgreSQL advisory lock named
// after its id, on a connection of its own, for as long as it runs; a second one is refused.
// PostgreSQL drops the lock with the connection: a node killed and started again under its id
// takes it back at once. A node whose machine vanished leaves a connection nobody closes, so
// this connection asks the server for TCP keepalives of a lease (the lock goes within about
// a lease and a half), and a node starting waits two leases for the lock before it refuses.
import { createHash } from 'node:crypto'
import pg from 'pg'
import { DEFAULT_QUERY_TIMEOUT_MS } from '../event-log/postgres-unavailable.js'
import type { Logger } from '../logger.js'

const RETRY_MS = 500
const CONNECT_TIMEOUT_MS = 10_000

/** The lock's 64-bit key (advisory locks are keyed by numbers, not names). */
function lockKey(nodeId: string): string {
  return createHash('sha256').update(`claude-agent-server node ${nodeId}`).digest().readBigInt64BE(0).toString()
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class NodeIdInUseError extends Error {
  constructor(nodeId: string) {
    super(
      `CLUSTER_NODE_ID "${nodeId}" is in use by another live node of this cluster (same DATABASE_URL); ` +
        'give each node its own CLUSTER_NODE_ID',
    )
    this.name = 'NodeIdInUseError'
  }
}

export class NodeClaim {
  private client: pg.Client | undefined
  private closed = false
  private retry: NodeJS.Timeout | undefined

  private constructor(
    private readonly databaseUrl: string,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    /** Each of its queries fails after this long (0: never), as the store's do
     *  (DATABASE_QUERY_TIMEOUT_MS): a database that stops answering mid-claim would otherwise
     *  hold a node's start, or its taking the id back, forever. */
    private readonly queryTimeoutMs: number,
  ) {}

  /** Takes the id, waiting up to two leases for a vanished holder's lock; NodeIdInUseError after. */
  static async take(
    databaseUrl: string,
    nodeId: string,
    leaseMs: number,
    logger: Logger,
    queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
  ): Promise<NodeClaim> {
    const claim = new NodeClaim(databaseUrl, nodeId, leaseMs, logger, queryTimeoutMs)
    const deadline = performance.now() + 2 * leaseMs
    for (let said = false; ; said = true) {
      if (await claim.lock()) return claim
      if (performance.now() >= deadline) throw new NodeIdInUseError(nodeId)
      if (!said) logger.warn(`cluster: CLUSTER_NODE_ID "${nodeId}" is held by another connection; waiting up to ${2 * leaseMs} ms`)
      await sleep(RETRY_MS)
    }
  }

  /** Connects and tries the lock once: true when held. Throws when the database fails. */
  private async lock(): Promise<boolean> {
    const timeout = this.queryTimeoutMs
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: timeout > 0 ? Math.min(CONNECT_TIMEOUT_MS, timeout) : CONNECT_TIMEOUT_MS,
      query_timeout: timeout,
    })
    client.on('error', () => {}) // 'end' follows; an unheard 'error' would end the process
    await client.connect()
    try {
      const seconds = Math.max(1, Math.ceil(this.leaseMs / 3000))
      await client.query(`SET tcp_keepalives_idle = ${seconds}; SET tcp_keepalives_interval = ${seconds}; SET tcp_keepalives_count = 2`)
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(this.nodeId)])
      if (!rows[0]?.ok) {
        await client.end().catch(() => {})
        return false
      }
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    if (this.closed) {
      await client.end().catch(() => {})
      return true
    }
    this.client = client
    client.once('end', () => this.lost(client))
    return true
  }

  /** The connection dropped (the database restarted): the lock went with it; taken again. */
  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return
    this.client = undefined
    this.logger.warn(`cluster: the connection holding CLUSTER_NODE_ID "${this.nodeId}" dropped; taking it again`)
    const again = () => {
      this.retry = undefined
      if (this.closed) return
      this.lock().then(
        (held) => {
          if (held) return this.logger.info(`cluster: holding CLUSTER_NODE_ID "${this.nodeId}" again`)
          this.logger.error(`cluster: another process took CLUSTER_NODE_ID "${this.nodeId}"; give each node its own`)
          this.retry = setTimeout(again, RETRY_MS * 2)
        },
        () => (this.retry = setTimeout(again, RETRY_MS * 2)),
      )
    }
    this.retry = setTimeout(again, RETRY_MS * 2)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retry)
    await this.client?.end().catch(() => {})
  }
}
