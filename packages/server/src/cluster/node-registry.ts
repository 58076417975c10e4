// The nodes of the cluster: each one heartbeats its row (where it is reached, how busy it is,
// how much memory is free, whether it drains); a node whose heartbeat is older than a lease
// is gone. Placement reads it: a new session goes to the live node with the most room.
import type pg from 'pg'
import { ServerError } from '../errors.js'

export interface NodeLoad {
  /** Sessions whose CLI runs (for operators; placement counts leases). */
  agents: number
  /** Bytes. */
  freeMemory: number
  draining: boolean
}

export interface NodeRow extends Omit<NodeLoad, 'agents'> {
  /** Sessions it owns now (live leases): counted in the database, so a session placed a moment
   * ago counts at once. */
  running: number
  id: string
  url: string
  maxSessions: number
}

export interface NodeIdentity {
  id: string
  url: string
  maxSessions: number
}

export class NodeRegistry {
  constructor(
    private readonly pool: pg.Pool,
    private readonly self: NodeIdentity,
    /** A node silent this long is gone. */
    private readonly aliveMs: number,
  ) {}

  async heartbeat(load: NodeLoad): Promise<void> {
    const { id, url, maxSessions } = this.self
    await this.pool.query(
      `INSERT INTO cluster_nodes (id, url, heartbeat_at, running, free_memory, max_sessions, draining)
       VALUES ($1, $2, now(), $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, heartbeat_at = now(), running = EXCLUDED.running,
         free_memory = EXCLUDED.free_memory, max_sessions = EXCLUDED.max_sessions, draining = EXCLUDED.draining`,
      [id, url, load.agents, Math.round(load.freeMemory), maxSessions, load.draining],
    )
  }

  /** The live nodes, in no order. */
  async live(): Promise<NodeRow[]> {
    const { rows } = await this.pool.query<{
      id: string
      url: string
      running: number
      free_memory: string
      max_sessions: number
      draining: boolean
    }>(
      `SELECT n.id, n.url, n.free_memory, n.max_sessions, n.draining,
         (SELECT count(*)::int FROM session_leases l WHERE l.node = n.id AND l.expires_at > now()) AS running
       FROM cluster_nodes n WHERE n.heartbeat_at > now() - $1 * interval '1 millisecond'`,
      [this.aliveMs],
    )
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      running: r.running,
      freeMemory: Number(r.free_memory),
      maxSessions: r.max_sessions,
      draining: r.draining,
    }))
  }

  /** Where a new session goes: the live node with the most room; CLUSTER_FULL when none has any. */
  async place(): Promise<NodeRow> {
    const chosen = choosePlacement(await this.live())
    if (!chosen) throw new ServerError('CLUSTER_FULL', 'Every node of the cluster runs as many sessions as it may')
    return chosen
  }

  /** Says this node is gone (a clean stop), so nothing is placed on it. */
  async leave(): Promise<void> {
    await this.pool.query(`UPDATE cluster_nodes SET heartbeat_at = '-infinity', draining = true WHERE id = $1`, [this.self.id])
  }
}

/** The node with the most free session slots, then the most free memory; none when every
 * node drains or is full. */
export function choosePlacement(nodes: readonly NodeRow[]): NodeRow | undefined {
  const open = nodes.filter((n) => !n.draining && n.running < n.maxSessions)
  open.sort((a, b) => b.maxSessions - b.running - (a.maxSessions - a.running) || b.freeMemory - a.freeMemory || a.id.localeCompare(b.id))
  return open[0]
}
