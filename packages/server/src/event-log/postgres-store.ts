// The store on PostgreSQL (DATABASE_URL), for a cluster of servers sharing one database: the
// same tables and semantics as SQLite (sqlite-store.ts). Writes go through one ordered group
// commit (postgres-writes.ts); reads wait for the writes queued before them. A session's last
// seq is read from the database when the session is loaded (`lastSeq`) and when an append
// finds none in memory; another node writing the same seq meets the primary key, and the seq
// is read again. PostgreSQL's TEXT holds no NUL: outside event frames (JSON, which escapes it)
// a NUL is stored as U+FFFD.
import pg from 'pg'
import type { SessionConfig, SessionState } from '@claude-agent/protocol'
import { FENCED_EVENTS_INSERT, leaseHeld, leaseLost } from '../cluster/fence.js'
import { ServerError } from '../errors.js'
import { AppendObservers } from './append-observers.js'
import type {
  AppendFence,
  AppendObserver,
  AuditPrune,
  AuditQuery,
  AuditRecord,
  EventFrame,
  NewAuditRecord,
  SessionRecord,
  StoredEvent,
  Store,
  TokenRecord,
} from './event-log.js'
import { PostgresDeliveryLog } from './postgres-deliveries.js'
import {
  toAuditRecord,
  toSessionRecord,
  toStoredEvents,
  toTokenRecord,
  type AuditRow,
  type EventRow,
  type SessionRow,
  type TokenRow,
} from './rows.js'
import { migratePostgres } from './postgres-schema.js'
import { PostgresUsageLog } from './postgres-usage.js'
import { PostgresWrites, type PendingAppend } from './postgres-writes.js'
import { pgText, poolFor, where, type PoolOptions } from './postgres-pool.js'

const UNIQUE_VIOLATION = '23505'
const isUnique = (err: unknown) => (err as { code?: string }).code === UNIQUE_VIOLATION

export class PostgresStore implements Store {
  private readonly lastSeqs = new Map<string, number>()
  private readonly observers = new AppendObservers()
  private readonly writes: PostgresWrites
  readonly usage: PostgresUsageLog
  readonly deliveries: PostgresDeliveryLog

  private constructor(private readonly pool: pg.Pool) {
    this.writes = new PostgresWrites(
      pool,
      (client, appends) => this.insertEvents(client, appends),
      (appends) => {
        for (const { sessionId } of appends) this.lastSeqs.delete(sessionId)
      },
    )
    this.usage = new PostgresUsageLog(pool, this.writes)
    this.deliveries = new PostgresDeliveryLog(pool, this.writes)
  }

  /** Connects and migrates; a failure names the server (never the password) and leaves nothing open. */
  static async open(url: string, options: PoolOptions = {}): Promise<PostgresStore> {
    const pool = poolFor(url, options)
    try {
      await migratePostgres(pool)
    } catch (err) {
      await pool.end().catch(() => {})
      // The database's own words (a ServerError's cause), not the client-facing text.
      const words = err instanceof ServerError && err.cause instanceof Error ? err.cause : (err as Error)
      throw new Error(`PostgreSQL at ${where(url)}: ${words.message}`, { cause: err })
    }
    return new PostgresStore(pool)
  }

  append(sessionId: string, frame: EventFrame, fence?: AppendFence): Promise<StoredEvent> {
    return this.writes.append({ sessionId, frame, fence }, { committed: (event) => this.observers.tell(event, frame) })
  }

  observeAppends(observer: AppendObserver): () => void {
    return this.observers.add(observer)
  }

  async read(sessionId: string, afterSeq: number, limit: number, maxSize?: number): Promise<StoredEvent[]> {
    await this.writes.settled()
    // With a size cap, each row carries the bytes before it (octet_length reads a stored value's
    // size without decompressing it); the database sends only the rows that start under the cap.
    const { rows } = await this.pool.query<EventRow>(
      maxSize === undefined
        ? 'SELECT seq, at, frame FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3'
        : `SELECT seq, at, frame FROM (
             SELECT seq, at, frame, SUM(octet_length(frame)) OVER (ORDER BY seq) - octet_length(frame) AS before
             FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
           ) page WHERE before < $4 ORDER BY seq`,
      maxSize === undefined ? [pgText(sessionId), afterSeq, limit] : [pgText(sessionId), afterSeq, limit, maxSize],
    )
    return toStoredEvents(sessionId, rows)
  }

  async readTypes(sessionId: string, types: readonly EventFrame['type'][], afterSeq: number, limit: number): Promise<StoredEvent[]> {
    await this.writes.settled()
    const { rows } = await this.pool.query<EventRow>(
      'SELECT seq, at, frame FROM events WHERE session_id = $1 AND seq > $2 AND type = ANY($3) ORDER BY seq LIMIT $4',
      [pgText(sessionId), afterSeq, types, limit],
    )
    return toStoredEvents(sessionId, rows)
  }

  /** From the database, always: another node may have written since. */
  async lastSeq(sessionId: string): Promise<number> {
    await this.writes.settled()
    const { rows } = await this.pool.query<{ last: number | null }>('SELECT MAX(seq) AS last FROM events WHERE session_id = $1', [
      pgText(sessionId),
    ])
    const last = rows[0]?.last ?? 0
    this.lastSeqs.set(sessionId, last)
    return last
  }

  async lastSeqsOf(sessionIds: readonly string[]): Promise<Map<string, number>> {
    await this.writes.settled()
    const ids = sessionIds.map(pgText)
    const { rows } = await this.pool.query<{ session_id: string; last: number }>(
      'SELECT session_id, MAX(seq) AS last FROM events WHERE session_id = ANY($1::text[]) GROUP BY session_id',
      [ids],
    )
    const found = new Map(rows.map((r) => [r.session_id, Number(r.last)]))
    return new Map(sessionIds.map((id, i) => [id, found.get(ids[i]!) ?? 0]))
  }

  insertSession(record: SessionRecord): Promise<void> {
    return this.writes.run(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO sessions (id, conversation_id, created_at, config, state, allowed_tools, owner, readers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [
          pgText(record.id),
          pgText(record.conversationId),
          record.createdAt,
          JSON.stringify(record.config),
          record.state,
          JSON.stringify(record.allowedTools),
          record.owner === null ? null : pgText(record.owner),
          JSON.stringify(record.readers),
        ],
      )
      if (rowCount !== 1) throw new ServerError('SESSION_EXISTS', `A session with id "${record.id}" already exists`)
    })
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    await this.writes.settled()
    const { rows } = await this.pool.query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [pgText(id)])
    return rows[0] && toSessionRecord(rows[0])
  }

  async listSessions(): Promise<SessionRecord[]> {
    await this.writes.settled()
    return (await this.pool.query<SessionRow>('SELECT * FROM sessions ORDER BY created_at, id')).rows.map(toSessionRecord)
  }

  updateSessionState(id: string, state: SessionState, fence?: AppendFence): Promise<void> {
    return this.updateColumn(id, 'state', state, fence)
  }

  updateSessionConfig(id: string, config: SessionConfig, fence?: AppendFence): Promise<void> {
    return this.updateColumn(id, 'config', JSON.stringify(config), fence)
  }

  updateAllowedTools(id: string, tools: string[], fence?: AppendFence): Promise<void> {
    return this.updateColumn(id, 'allowed_tools', JSON.stringify(tools), fence)
  }

  updateReaders(id: string, readers: string[], fence?: AppendFence): Promise<void> {
    return this.updateColumn(id, 'readers', JSON.stringify(readers), fence)
  }

  async deleteSession(id: string, fence?: AppendFence): Promise<void> {
    await this.writes.run(async (client) => {
      // The lease row held (FOR SHARE) to the commit: a node taking it over waits, and a
      // session another node took over is never deleted from under it.
      if (fence) await requireLease(client, id, fence)
      for (const table of ['events', 'prompts']) await client.query(`DELETE FROM ${table} WHERE session_id = $1`, [pgText(id)])
      await client.query('DELETE FROM sessions WHERE id = $1', [pgText(id)])
      this.lastSeqs.delete(id)
    })
  }

  rememberPrompt(sessionId: string, uuid: string, fence?: AppendFence): Promise<boolean> {
    const row = [pgText(sessionId), pgText(uuid), Date.now()]
    return this.writes.run(async (client) => {
      if (!fence) {
        const sql = 'INSERT INTO prompts (session_id, uuid, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING'
        return (await client.query(sql, row)).rowCount === 1
      }
      const sql = `INSERT INTO prompts (session_id, uuid, at) SELECT $1::text, $2::text, $3::bigint
        WHERE ${leaseHeld('$1::text', '$4::text', '$5::bigint')} ON CONFLICT DO NOTHING`
      if ((await client.query(sql, [...row, fence.node, fence.epoch])).rowCount === 1) return true
      // Nothing inserted: a uuid the session had, or a lease that moved.
      await requireLease(client, sessionId, fence)
      return false
    })
  }

  async hasPrompt(sessionId: string, uuid: string): Promise<boolean> {
    await this.writes.settled()
    const { rows } = await this.pool.query('SELECT 1 FROM prompts WHERE session_id = $1 AND uuid = $2', [pgText(sessionId), pgText(uuid)])
    return rows.length > 0
  }

  insertToken(record: TokenRecord): Promise<void> {
    return this.update('INSERT INTO tokens (id, label, role, digest, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      pgText(record.id),
      pgText(record.label),
      record.role,
      pgText(record.digest),
      record.createdAt,
      pgText(record.createdBy),
    ])
  }

  async listTokens(): Promise<TokenRecord[]> {
    await this.writes.settled()
    return (await this.pool.query<TokenRow>('SELECT * FROM tokens ORDER BY created_at, id')).rows.map(toTokenRecord)
  }

  async findToken(digest: string): Promise<TokenRecord | undefined> {
    await this.writes.settled()
    const { rows } = await this.pool.query<TokenRow>('SELECT * FROM tokens WHERE digest = $1', [pgText(digest)])
    return rows[0] && toTokenRecord(rows[0])
  }

  deleteToken(id: string): Promise<boolean> {
    return this.writes.run(async (client) => (await client.query('DELETE FROM tokens WHERE id = $1', [pgText(id)])).rowCount === 1)
  }

  appendAudit(record: NewAuditRecord, prune: AuditPrune = {}): Promise<AuditRecord> {
    return this.writes.run(async (client) => {
      const { rows } = await client.query<{ id: number }>(
        'INSERT INTO audit (at, principal, action, session_id, remote, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [
          record.at,
          pgText(record.principal),
          pgText(record.action),
          record.sessionId === undefined ? null : pgText(record.sessionId),
          record.remote === undefined ? null : pgText(record.remote),
          JSON.stringify(record.detail),
        ],
      )
      const id = rows[0]!.id
      // Below the principal's keep-th newest id (audit_by_principal); none when it has fewer.
      if (prune.keep !== undefined)
        await client.query(
          'DELETE FROM audit WHERE principal = $1 AND id < (SELECT id FROM audit WHERE principal = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)',
          [pgText(record.principal), prune.keep - 1],
        )
      // Below the total-th newest id of all (ids have gaps where principals were pruned).
      if (prune.total !== undefined)
        await client.query('DELETE FROM audit WHERE id < (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET $1)', [prune.total - 1])
      return { ...record, id }
    })
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    await this.writes.settled()
    const where = ['id > $1']
    const params: unknown[] = [query.after]
    if (query.sessionId !== undefined) where.push(`session_id = $${params.push(pgText(query.sessionId))}`)
    if (query.principal !== undefined) where.push(`principal = $${params.push(pgText(query.principal))}`)
    const sql = `SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.push(query.limit)}`
    return (await this.pool.query<AuditRow>(sql, params)).rows.map(toAuditRecord)
  }

  async close(): Promise<void> {
    await this.writes.settled()
    await this.pool.end()
  }

  /** A run of appends in one INSERT, numbered after each session's last seq (read if unknown).
   * Cluster mode: an append with a `fence` may only land while the session's lease is still
   * `fence.node` at `fence.epoch`. That check belongs in this statement (a WHERE EXISTS on the
   * leases table per unnest row), and a refused row rejects its append (and its run). */
  private async insertEvents(client: pg.PoolClient, appends: PendingAppend[]): Promise<StoredEvent[]> {
    const unknown = [...new Set(appends.map((a) => a.sessionId))].filter((id) => !this.lastSeqs.has(id))
    if (unknown.length > 0) {
      const { rows } = await client.query<{ session_id: string; last: number }>(
        'SELECT session_id, MAX(seq) AS last FROM events WHERE session_id = ANY($1) GROUP BY session_id',
        [unknown.map(pgText)],
      )
      for (const id of unknown) this.lastSeqs.set(id, 0)
      for (const row of rows) this.lastSeqs.set(row.session_id, row.last)
    }
    const at = Date.now()
    const events = appends.map(({ sessionId, frame }) => {
      const seq = this.lastSeqs.get(sessionId)! + 1
      this.lastSeqs.set(sessionId, seq)
      return { sessionId, seq, at, text: JSON.stringify({ ...frame, seq }) }
    })
    const rows = [
      events.map((e) => pgText(e.sessionId)),
      events.map((e) => e.seq),
      events.map(() => at),
      appends.map((a) => a.frame.type),
      events.map((e) => e.text),
    ]
    const fenced = appends.some((a) => a.fence)
    try {
      if (!fenced)
        await client.query(
          `INSERT INTO events (session_id, seq, at, type, frame) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])`,
          rows,
        )
      else {
        const fences = [appends.map((a) => a.fence?.node ?? null), appends.map((a) => a.fence?.epoch ?? null)]
        const { rowCount } = await client.query(FENCED_EVENTS_INSERT, [...rows, ...fences])
        // One refused row fails the group; alone, the append whose lease moved fails by itself.
        if (rowCount !== events.length) throw leaseLost(appends[0]!.sessionId, appends.find((a) => a.fence)!.fence!)
      }
    } catch (err) {
      if (isUnique(err))
        throw new ServerError('STORE_FAILED', 'Another writer took these seqs; the session must be loaded again', { cause: 'seq' })
      throw err
    }
    return events
  }

  /** One column of a session's row. Fenced: the lease is checked in the statement that writes
   * (cluster/fence.ts); nothing changed while the session exists means the lease moved. */
  private updateColumn(id: string, column: 'state' | 'config' | 'allowed_tools' | 'readers', value: string, fence?: AppendFence) {
    if (!fence) return this.update(`UPDATE sessions SET ${column} = $1 WHERE id = $2`, [value, pgText(id)])
    return this.writes.run(async (client) => {
      const sql = `UPDATE sessions SET ${column} = $1 WHERE id = $2 AND ${leaseHeld('$2', '$3', '$4')}`
      const { rowCount } = await client.query(sql, [value, pgText(id), fence.node, fence.epoch])
      if (rowCount === 0 && (await client.query('SELECT 1 FROM sessions WHERE id = $1', [pgText(id)])).rowCount === 1)
        throw leaseLost(id, fence)
    })
  }

  private update(sql: string, params: unknown[]): Promise<void> {
    return this.writes.run(async (client) => void (await client.query(sql, params)))
  }
}

/** LEASE_LOST unless `fence` still holds the session's lease (its row then held to the commit). */
async function requireLease(client: pg.PoolClient, sessionId: string, fence: AppendFence): Promise<void> {
  const held = `SELECT 1 WHERE ${leaseHeld('$1::text', '$2::text', '$3::bigint')}`
  if ((await client.query(held, [pgText(sessionId), fence.node, fence.epoch])).rowCount === 0) throw leaseLost(sessionId, fence)
}
