// Session leases: one owner node per session at a time, in PostgreSQL. A lease is taken when
// it is free, expired or released, each time with the epoch one higher, in one statement;
// renewed by its holder while it lives; released on a clean handoff. An expired lease is a
// lost one: its holder may neither renew nor write (fence.ts).
import type pg from 'pg'
import type { Fence } from './fence.js'

export interface Owner {
  node: string
  url: string
  epoch: number
}

const ms = (n: number) => `now() + ${Math.max(1, Math.round(n))} * interval '1 millisecond'`

export class Leases {
  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly leaseMs: number,
  ) {}

  /** Takes the session's lease when it is free, expired, released or this node's own (a
   * restarted node fences its previous life); its fence, or undefined while another node holds it. */
  async acquire(sessionId: string): Promise<Fence | undefined> {
    const { rows } = await this.pool.query<{ epoch: string }>(
      `INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES ($1, $2, 1, ${ms(this.leaseMs)})
       ON CONFLICT (session_id) DO UPDATE SET node = EXCLUDED.node, epoch = session_leases.epoch + 1, expires_at = EXCLUDED.expires_at
       WHERE session_leases.expires_at <= now() OR session_leases.node = EXCLUDED.node
       RETURNING epoch`,
      [sessionId, this.node],
    )
    return rows[0] ? { node: this.node, epoch: Number(rows[0].epoch) } : undefined
  }

  /** The ids among `fences` whose lease this node still holds, each renewed for another term. */
  async renew(fences: ReadonlyMap<string, Fence>): Promise<Set<string>> {
    if (fences.size === 0) return new Set()
    const ids = [...fences.keys()]
    const epochs = ids.map((id) => fences.get(id)!.epoch)
    const { rows } = await this.pool.query<{ session_id: string }>(
      `UPDATE session_leases l SET expires_at = ${ms(this.leaseMs)}
       FROM unnest($2::text[], $3::bigint[]) AS mine(id, epoch)
       WHERE l.session_id = mine.id AND l.epoch = mine.epoch AND l.node = $1 AND l.expires_at > now()
       RETURNING l.session_id`,
      [this.node, ids, epochs],
    )
    return new Set(rows.map((r) => r.session_id))
  }

  /** Gives the lease up at once (the epoch stays, so the next holder's is higher). */
  async release(sessionId: string, fence: Fence): Promise<void> {
    await this.pool.query(`UPDATE session_leases SET expires_at = '-infinity' WHERE session_id = $1 AND node = $2 AND epoch = $3`, [
      sessionId,
      fence.node,
      fence.epoch,
    ])
  }

  /** Forgets a deleted session's lease, while `fence` still is it: a node that was paused
   * after its delete must not remove the lease another node took meanwhile (the id made anew). */
  async drop(sessionId: string, fence: Fence): Promise<void> {
    await this.pool.query('DELETE FROM session_leases WHERE session_id = $1 AND node = $2 AND epoch = $3', [
      sessionId,
      fence.node,
      fence.epoch,
    ])
  }

  /** The node holding the session's lease now, and where it is reached; undefined when none does. */
  async owner(sessionId: string): Promise<Owner | undefined> {
    const { rows } = await this.pool.query<{ node: string; url: string; epoch: string }>(
      `SELECT l.node, n.url, l.epoch FROM session_leases l JOIN cluster_nodes n ON n.id = l.node
       WHERE l.session_id = $1 AND l.expires_at > now()`,
      [sessionId],
    )
    const row = rows[0]
    return row && { node: row.node, url: row.url, epoch: Number(row.epoch) }
  }

  /** Sessions whose lease lapsed or was released: theirs to take over. At most `limit`. */
  async orphaned(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ session_id: string }>(
      'SELECT session_id FROM session_leases WHERE expires_at <= now() ORDER BY expires_at LIMIT $1',
      [limit],
    )
    return rows.map((r) => r.session_id)
  }
}
