// Session leases and their fence on a real PostgreSQL: one owner at a time, the epoch one
// higher at each new owner, and a write under an old lease refused in its own statement.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { leaseHeld, type Fence } from '../../src/cluster/fence.js'
import { Leases } from '../../src/cluster/leases.js'
import { ensureClusterSchema } from '../../src/cluster/schema.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server.stop()
})

async function freshDatabase(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await server.database() })
  await ensureClusterSchema(pool)
  // A table written the way the PostgreSQL store writes events: the fence in the statement.
  await pool.query('CREATE TABLE events (session_id TEXT, seq INT, PRIMARY KEY (session_id, seq))')
  return pool
}

/** An event written under `fence`: true when it was written. */
async function fencedInsert(db: pg.Pool | pg.PoolClient, id: string, seq: number, fence: Fence): Promise<boolean> {
  const { rowCount } = await db.query(`INSERT INTO events (session_id, seq) SELECT $1, $4 WHERE ${leaseHeld('$1', '$2', '$3')}`, [
    id,
    fence.node,
    fence.epoch,
    seq,
  ])
  return rowCount === 1
}

const expire = (pool: pg.Pool, id: string) =>
  pool.query(`UPDATE session_leases SET expires_at = now() - interval '1 second' WHERE session_id = $1`, [id])
const count = async (pool: pg.Pool, id: string) =>
  Number((await pool.query('SELECT count(*) FROM events WHERE session_id = $1', [id])).rows[0].count)

describe('session leases', () => {
  it('one owner at a time; a new owner after expiry has the next epoch and the old one can neither renew nor write', async () => {
    const pool = await freshDatabase()
    try {
      const a = new Leases(pool, 'a', 60_000)
      const b = new Leases(pool, 'b', 60_000)
      const fenceA = await a.acquire('s1')
      assert.deepEqual(fenceA, { node: 'a', epoch: 1 })
      assert.equal(await b.acquire('s1'), undefined, 'held by a')
      assert.equal(await fencedInsert(pool, 's1', 1, fenceA), true)

      await expire(pool, 's1')
      assert.equal(await fencedInsert(pool, 's1', 2, fenceA), false, 'an expired lease writes nothing')
      assert.deepEqual([...(await a.renew(new Map([['s1', fenceA]])))], [], 'an expired lease is not renewed')
      const fenceB = await b.acquire('s1')
      assert.deepEqual(fenceB, { node: 'b', epoch: 2 })
      assert.equal(await fencedInsert(pool, 's1', 2, fenceA!), false, "a's old epoch is refused")
      assert.equal(await fencedInsert(pool, 's1', 2, fenceB!), true)
      assert.deepEqual([...(await b.renew(new Map([['s1', fenceB!]])))], ['s1'])
      assert.equal(await count(pool, 's1'), 2)
      assert.deepEqual(await a.owner('s1'), undefined, 'no node row yet: nobody to forward to')
    } finally {
      await pool.end()
    }
  })

  it('a released lease is taken at once by another node, with the next epoch', async () => {
    const pool = await freshDatabase()
    try {
      const a = new Leases(pool, 'a', 60_000)
      const b = new Leases(pool, 'b', 60_000)
      const fenceA = (await a.acquire('s1'))!
      await a.release('s1', fenceA)
      assert.deepEqual(await b.orphaned(10), ['s1'])
      assert.deepEqual(await b.acquire('s1'), { node: 'b', epoch: 2 })
      assert.equal(await fencedInsert(pool, 's1', 1, fenceA), false)
      // A release with an old fence gives nothing up.
      await a.release('s1', fenceA)
      assert.deepEqual(await b.orphaned(10), [])
    } finally {
      await pool.end()
    }
  })

  it("a restarted node takes its own lease back at once, fencing its previous life's writes", async () => {
    const pool = await freshDatabase()
    try {
      const first = (await new Leases(pool, 'a', 60_000).acquire('s1'))!
      const second = (await new Leases(pool, 'a', 60_000).acquire('s1'))!
      assert.equal(second.epoch, first.epoch + 1)
      assert.equal(await fencedInsert(pool, 's1', 1, first), false)
      assert.equal(await fencedInsert(pool, 's1', 1, second), true)
    } finally {
      await pool.end()
    }
  })

  it('a takeover waits for a fenced write in flight, then sees it', async () => {
    const pool = await freshDatabase()
    const writer = await pool.connect()
    try {
      const fenceA = (await new Leases(pool, 'a', 300).acquire('s1'))!
      await writer.query('BEGIN')
      assert.equal(await fencedInsert(writer, 's1', 1, fenceA), true)
      // The lease runs out (by the database's clock) while the write is not yet committed.
      await until(async () => (await pool.query('SELECT expires_at <= now() AS over FROM session_leases')).rows[0].over === true)
      const taking = new Leases(pool, 'b', 60_000).acquire('s1')
      await until(
        async () => (await pool.query(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)).rows[0].count === '1',
      )
      await writer.query('COMMIT')
      assert.deepEqual(await taking, { node: 'b', epoch: 2 })
      assert.equal(await count(pool, 's1'), 1, 'the new owner sees the write it waited for')
    } finally {
      writer.release()
      await pool.end()
    }
  })
})

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20))
}
