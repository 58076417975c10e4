// Webhook deliveries in PostgreSQL: the same rows as SQLite's (delivery-log.ts), and a claim on
// each while one node sends it, so the nodes of a cluster never both send one.
import type pg from 'pg'
import {
  toAttempt,
  toDelivery,
  type AttemptRow,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryLog,
  type DeliveryRow,
  type DeliveryStatus,
  type NewDelivery,
} from './delivery-log.js'
import { pgText } from './postgres-pool.js'
import type { PostgresWrites } from './postgres-writes.js'

/** The database's clock, in epoch ms, as the statement runs (not as its transaction began). */
const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint'

export class PostgresDeliveryLog implements DeliveryLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: PostgresWrites,
  ) {}

  insertDelivery(d: NewDelivery): Promise<boolean> {
    return this.writes.run(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO webhook_deliveries (id, hook, event, session_id, seq, body, created_at, status, next_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $7) ON CONFLICT DO NOTHING`,
        [pgText(d.id), pgText(d.hook), pgText(d.event), pgText(d.sessionId), d.seq, pgText(d.body), d.createdAt],
      )
      return rowCount === 1
    })
  }

  async pending(hook: string, limit: number): Promise<Delivery[]> {
    const sql = "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND hook = $1 ORDER BY next_at, created_at LIMIT $2"
    return (await this.rows<DeliveryRow>(sql, [pgText(hook), limit])).map(toDelivery)
  }

  async pendingHooks(): Promise<string[]> {
    return (await this.rows<{ hook: string }>("SELECT DISTINCT hook FROM webhook_deliveries WHERE status = 'pending'", [])).map(
      (r) => r.hook,
    )
  }

  async pendingCount(): Promise<number> {
    return (await this.rows<{ n: number }>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'", []))[0]!.n
  }

  async pendingByHook(): Promise<Map<string, number>> {
    const sql = "SELECT hook, COUNT(*)::int AS n FROM webhook_deliveries WHERE status = 'pending' GROUP BY hook"
    return new Map((await this.rows<{ hook: string; n: number }>(sql, [])).map((r) => [r.hook, Number(r.n)]))
  }

  /** One statement: the row lock makes a second claimer wait for the first to commit, then
   * find the claim taken. Times are the database's, so the nodes' clocks need not agree. */
  claim(delivery: Delivery, claimer: string, ms: number): Promise<Delivery | undefined> {
    return this.writes.run(async (client) => {
      const { rows } = await client.query<DeliveryRow>(
        `UPDATE webhook_deliveries SET claimed_by = $2, claimed_until = ${DB_NOW_MS} + $3
         WHERE id = $1 AND status = 'pending' AND attempts = $4 AND (claimed_until IS NULL OR claimed_until < ${DB_NOW_MS})
         RETURNING *`,
        [pgText(delivery.id), pgText(claimer), ms, delivery.attempts],
      )
      return rows[0] && toDelivery(rows[0])
    })
  }

  recordAttempt(id: string, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<void> {
    return this.writes.run(async (client) => {
      await client.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, retry_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, status_code = excluded.status_code,
           error = excluded.error, retry_at = excluded.retry_at`,
        [
          pgText(id),
          attempt.attempt,
          attempt.at,
          attempt.statusCode,
          attempt.error === null ? null : pgText(attempt.error),
          attempt.retryAt,
        ],
      )
      const sql = `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_at = $3, last_error = $4,
        claimed_by = NULL, claimed_until = NULL WHERE id = $5`
      await client.query(sql, [
        status,
        attempt.attempt,
        status === 'pending' ? attempt.retryAt : null,
        attempt.error === null ? null : pgText(attempt.error),
        pgText(id),
      ])
    })
  }

  async recent(limit: number): Promise<Delivery[]> {
    return (await this.rows<DeliveryRow>('SELECT * FROM webhook_deliveries ORDER BY created_at DESC, n DESC LIMIT $1', [limit])).map(
      toDelivery,
    )
  }

  async attempts(id: string): Promise<DeliveryAttempt[]> {
    return (await this.rows<AttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt', [pgText(id)])).map(
      toAttempt,
    )
  }

  prune(before: number): Promise<void> {
    return this.writes.run(async (client) => {
      await client.query(
        `DELETE FROM webhook_attempts WHERE delivery_id IN
           (SELECT id FROM webhook_deliveries WHERE status != 'pending' AND created_at < $1)`,
        [before],
      )
      await client.query("DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at < $1", [before])
    })
  }

  private async rows<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    await this.writes.settled()
    return (await this.pool.query<T>(sql, params)).rows
  }
}
