// Webhook deliveries in SQLite (writes grouped with the store's, sqlite-writes.ts): each event a hook wants, its status and next try, and every
// attempt with its outcome. Pending rows outlive the process: the next server resumes them.
import type Database from 'better-sqlite3'
import type { SqliteWrites } from './sqlite-writes.js'

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface NewDelivery {
  id: string
  hook: string
  event: string
  sessionId: string
  seq: number
  /** The JSON body as sent, the same on every attempt. */
  body: string
  createdAt: number
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus
  attempts: number
  /** When it is tried next (epoch ms); null once delivered or failed. */
  nextAt: number | null
  lastError: string | null
}

export interface DeliveryAttempt {
  attempt: number
  at: number
  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  statusCode: number | null
  /** Why it did not count as delivered; null when it did. */
  error: string | null
  /** When the next try is due; null when there is none. */
  retryAt: number | null
}

export interface DeliveryLog {
  /** False when the hook already has this event (the same session and seq). */
  insertDelivery(delivery: NewDelivery): Promise<boolean>
  /** A hook's pending deliveries, soonest first. */
  pending(hook: string, limit: number): Promise<Delivery[]>
  /** The hooks with pending deliveries. */
  pendingHooks(): Promise<string[]>
  pendingCount(): Promise<number>
  /** Pending deliveries of each hook that has some. */
  pendingByHook(): Promise<Map<string, number>>
  /** Takes a due delivery for one attempt by `claimer` for `ms`: the delivery as it is now, or
   * undefined when another claimer holds it or it moved on since it was listed (cluster mode:
   * two nodes never both send one). Recording the attempt frees it. */
  claim(delivery: Delivery, claimer: string, ms: number): Promise<Delivery | undefined>
  /** One attempt and what it leaves the delivery as, in one transaction. */
  recordAttempt(id: string, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<void>
  /** The newest first. */
  recent(limit: number): Promise<Delivery[]>
  attempts(id: string): Promise<DeliveryAttempt[]>
  /** Forget delivered and failed deliveries made before `before` (epoch ms). */
  prune(before: number): Promise<void>
}

export interface DeliveryRow {
  id: string
  hook: string
  event: string
  session_id: string
  seq: number
  body: string
  created_at: number
  status: DeliveryStatus
  attempts: number
  next_at: number | null
  last_error: string | null
}
export interface AttemptRow {
  attempt: number
  at: number
  status_code: number | null
  error: string | null
  retry_at: number | null
}

export const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  hook: row.hook,
  event: row.event,
  sessionId: row.session_id,
  seq: row.seq,
  body: row.body,
  createdAt: row.created_at,
  status: row.status,
  attempts: row.attempts,
  nextAt: row.next_at,
  lastError: row.last_error,
})

export const toAttempt = (row: AttemptRow): DeliveryAttempt => ({
  attempt: row.attempt,
  at: row.at,
  statusCode: row.status_code,
  error: row.error,
  retryAt: row.retry_at,
})

export class SqliteDeliveryLog implements DeliveryLog {
  private readonly stmt

  constructor(
    db: Database.Database,
    private readonly writes: SqliteWrites,
  ) {
    this.stmt = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, hook, event, session_id, seq, body, created_at, status, next_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      ),
      pending: db.prepare<[string, number], DeliveryRow>(
        "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND hook = ? ORDER BY next_at, created_at LIMIT ?",
      ),
      pendingHooks: db.prepare<[], { hook: string }>("SELECT DISTINCT hook FROM webhook_deliveries WHERE status = 'pending'"),
      pendingCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'"),
      pendingByHook: db.prepare<[], { hook: string; n: number }>(
        "SELECT hook, COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending' GROUP BY hook",
      ),
      update: db.prepare('UPDATE webhook_deliveries SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?'),
      insertAttempt: db.prepare(
        'INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, at, status_code, error, retry_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      recent: db.prepare<[number], DeliveryRow>('SELECT * FROM webhook_deliveries ORDER BY created_at DESC, rowid DESC LIMIT ?'),
      attempts: db.prepare<[string], AttemptRow>('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt'),
      pruneAttempts: db.prepare(
        `DELETE FROM webhook_attempts WHERE delivery_id IN
           (SELECT id FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?)`,
      ),
      pruneDeliveries: db.prepare("DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?"),
    }
  }

  insertDelivery(d: NewDelivery): Promise<boolean> {
    return this.writes.run(
      () => this.stmt.insert.run(d.id, d.hook, d.event, d.sessionId, d.seq, d.body, d.createdAt, d.createdAt).changes === 1,
    )
  }

  async pending(hook: string, limit: number): Promise<Delivery[]> {
    this.writes.flush()
    return this.stmt.pending.all(hook, limit).map(toDelivery)
  }

  async pendingHooks(): Promise<string[]> {
    this.writes.flush()
    return this.stmt.pendingHooks.all().map((row) => row.hook)
  }

  async pendingCount(): Promise<number> {
    this.writes.flush()
    return this.stmt.pendingCount.get()!.n
  }

  async pendingByHook(): Promise<Map<string, number>> {
    this.writes.flush()
    return new Map(this.stmt.pendingByHook.all().map((row) => [row.hook, row.n]))
  }

  /** One server per SQLite file: nobody else sends its deliveries. */
  async claim(delivery: Delivery): Promise<Delivery | undefined> {
    return delivery
  }

  recordAttempt(id: string, attempt: DeliveryAttempt, status: DeliveryStatus): Promise<void> {
    return this.writes.run(() => {
      this.stmt.insertAttempt.run(id, attempt.attempt, attempt.at, attempt.statusCode, attempt.error, attempt.retryAt)
      this.stmt.update.run(status, attempt.attempt, status === 'pending' ? attempt.retryAt : null, attempt.error, id)
    })
  }

  async recent(limit: number): Promise<Delivery[]> {
    this.writes.flush()
    return this.stmt.recent.all(limit).map(toDelivery)
  }

  async attempts(id: string): Promise<DeliveryAttempt[]> {
    this.writes.flush()
    return this.stmt.attempts.all(id).map(toAttempt)
  }

  prune(before: number): Promise<void> {
    return this.writes.run(() => {
      this.stmt.pruneAttempts.run(before)
      this.stmt.pruneDeliveries.run(before)
    })
  }
}
