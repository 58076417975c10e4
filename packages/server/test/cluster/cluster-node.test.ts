// Cluster nodes on a real PostgreSQL, without servers: a node that loses a lease is told at
// once and its sessions are taken over by another; placement picks the node with the most
// room and says CLUSTER_FULL when none has any; a node that leaves hands its sessions on.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ClusterNode, type ClusterHooks } from '../../src/cluster/cluster-node.js'
import { ServerError } from '../../src/errors.js'
import { createLogger } from '../../src/logger.js'
import { sharedDataDir } from '../helpers/cluster-stack.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server.stop()
})

const logger = createLogger({ level: 'silent' })

/** Hooks that record what the node asked, and let a test wait for it. */
class Recorder implements ClusterHooks {
  readonly adopted: string[] = []
  readonly lostIds: string[] = []
  private waiters: (() => void)[] = []
  exists = (_id: string) => true
  async adopt(id: string) {
    this.adopted.push(id)
    this.wake()
    return this.exists(id)
  }
  lost(id: string) {
    this.lostIds.push(id)
    this.wake()
  }
  agents = () => 0
  private wake() {
    for (const w of this.waiters.splice(0)) w()
  }
  /** Waits for `check` to hold; fails (never hangs) after 20 s. */
  async until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000
    while (!check()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`not seen in 20 s: ${check.toString()}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

/** Makes `recorder`'s loads hang until the returned release is called (`onLoaded` then runs per id). */
function slowAdopt(recorder: Recorder, onLoaded: (id: string) => void = () => {}): () => void {
  let release = () => {}
  const loading = new Promise<void>((resolve) => (release = resolve))
  recorder.adopt = async (id: string) => {
    recorder.adopted.push(id)
    await loading
    onLoaded(id)
    return true
  }
  return release
}

async function cluster(ids: string[], options: { maxSessions?: number; leaseMs?: number } = {}) {
  const databaseUrl = await server.database()
  const nodes = await Promise.all(
    ids.map((nodeId, i) =>
      ClusterNode.join(
        { nodeId, leaseMs: options.leaseMs ?? 900, maxSessions: options.maxSessions ?? 8 },
        { url: databaseUrl, queryTimeoutMs: undefined },
        `http://127.0.0.1:${4000 + i}`,
        logger,
        sharedDataDir(databaseUrl),
      ),
    ),
  )
  const hooks = nodes.map(() => new Recorder())
  const db = new pg.Pool({ connectionString: databaseUrl })
  return {
    nodes,
    hooks,
    db,
    start: () => nodes.forEach((n, i) => n.start(hooks[i]!)),
    async close() {
      await Promise.all(nodes.map((n) => n.close()))
      await db.end()
    },
  }
}

/** Nodes a and b with a long lease; a claimed s1, then left (so s1 is free at once). */
async function leftByA() {
  const c = await cluster(['a', 'b'], { leaseMs: 60_000 })
  const [a, b] = c.nodes as [ClusterNode, ClusterNode]
  const [, hb] = c.hooks as [Recorder, Recorder]
  await a.claim('s1')
  c.start()
  await a.close()
  return { c, b, hb }
}

describe('cluster nodes', () => {
  it('a lease that lapses is lost by its node (told at once) and taken over by another, one epoch up', async () => {
    const c = await cluster(['a', 'b'])
    const [a, b] = c.nodes as [ClusterNode, ClusterNode]
    const [ha, hb] = c.hooks as [Recorder, Recorder]
    try {
      assert.equal(await a.claim('s1'), true)
      assert.equal(await b.claim('s1'), false)
      c.start()
      assert.equal(await b.locate('s1'), a.url, 'B sends s1 to A')
      // As if A had stalled past its lease: the database says it ran out.
      await c.db.query(`UPDATE session_leases SET expires_at = now() - interval '1 second'`)
      await ha.until(() => ha.lostIds.includes('s1'))
      await hb.until(() => hb.adopted.includes('s1'))
      assert.equal(a.owns('s1'), false)
      assert.deepEqual(a.fence('s1'), { node: 'a', epoch: 0 }, 'a fence no lease matches')
      assert.deepEqual(b.fence('s1'), { node: 'b', epoch: 2 })
      assert.equal(await a.locate('s1'), b.url, 'A now sends s1 to B')
      assert.equal(await b.locate('s1'), undefined, 'B serves it')
    } finally {
      await c.close()
    }
  })

  it('a session nobody holds is taken by the node asked for it; a deleted one is not kept', async () => {
    const c = await cluster(['a'])
    const [a] = c.nodes as [ClusterNode]
    const [ha] = c.hooks as [Recorder]
    try {
      c.start()
      ha.exists = (id) => id !== 'gone'
      assert.equal(await a.locate('s2'), undefined)
      assert.ok(a.owns('s2'))
      assert.equal(await a.locate('gone'), undefined)
      assert.equal(a.owns('gone'), false)
      assert.equal((await c.db.query(`SELECT 1 FROM session_leases WHERE session_id = 'gone'`)).rowCount, 0)
    } finally {
      await c.close()
    }
  })

  it("forgetting a deleted session's lease leaves it alone once another node took it (the id made anew)", async () => {
    const c = await cluster(['a', 'b'])
    const [a, b] = c.nodes as [ClusterNode, ClusterNode]
    try {
      assert.equal(await a.claim('s3'), true)
      // A paused after its delete, past its lease: B made s3 anew and holds its lease.
      await c.db.query(`UPDATE session_leases SET expires_at = now() - interval '1 second' WHERE session_id = 's3'`)
      assert.equal(await b.claim('s3'), true)
      await a.forget('s3')
      const lease = await c.db.query<{ node: string }>(`SELECT node FROM session_leases WHERE session_id = 's3'`)
      assert.deepEqual(lease.rows, [{ node: 'b' }], "B's lease stays")
      assert.equal(a.owns('s3'), false)
    } finally {
      await c.close()
    }
  })

  it('placement: the most room first, a draining node never, CLUSTER_FULL when every node is full', async () => {
    const c = await cluster(['a', 'b', 'c'], { maxSessions: 2 })
    const [a, b, n3] = c.nodes as [ClusterNode, ClusterNode, ClusterNode]
    try {
      // Each node reported the machine's free memory when it joined, a moment apart; make it
      // one figure so only the free slots and the id decide.
      await c.db.query(`UPDATE cluster_nodes SET free_memory = 1000000000`)
      await a.claim('a1')
      await b.claim('b1')
      assert.equal((await a.place()).id, 'c', 'c owns nothing')
      n3.drain()
      await c.db.query(`UPDATE cluster_nodes SET draining = true WHERE id = 'c'`) // drain() says so in its next heartbeat
      assert.equal((await a.place()).id, 'a', 'a and b tie: by id')
      await a.claim('a2')
      assert.equal((await a.place()).id, 'b')
      await b.claim('b2')
      await assert.rejects(a.place(), (err: unknown) => err instanceof ServerError && err.code === 'CLUSTER_FULL')
    } finally {
      await c.close()
    }
  })

  it('a node that leaves hands its sessions on: another takes them without waiting for the lease', async () => {
    const { c, b, hb } = await leftByA()
    try {
      // B looks every third of a lease (20 s here): asking it for s1 takes it now.
      assert.equal(await b.locate('s1'), undefined)
      assert.deepEqual(hb.adopted, ['s1'])
      assert.equal(b.fence('s1').epoch, 2)
    } finally {
      await b.close()
      await c.db.end()
    }
  })

  it('a session whose load fails is left for a lease, so it never keeps a node from taking the others over', async () => {
    const c = await cluster(['b'], { maxSessions: 1 })
    const [b] = c.nodes as [ClusterNode]
    const [hb] = c.hooks as [Recorder]
    hb.adopt = async (id: string) => {
      hb.adopted.push(id)
      if (id === 'broken') throw new Error('its record cannot be read')
      return true
    }
    try {
      // Two sessions of a node that died: the one released first (its load failing, it is
      // released again each time) comes first in every look.
      await c.db.query(
        `INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES
          ('broken', 'gone', 1, '-infinity'), ('good', 'gone', 1, now() - interval '1 second')`,
      )
      c.start()
      await hb.until(() => hb.adopted.includes('good'))
      assert.ok(b.owns('good'))
      assert.equal(b.owns('broken'), false)
    } finally {
      await c.close()
    }
  })

  it('a takeover whose load is slow holds up none of the renewals of the leases the node has', async () => {
    const c = await cluster(['b'], { leaseMs: 1500 })
    const [b] = c.nodes as [ClusterNode]
    const [hb] = c.hooks as [Recorder]
    const loaded = slowAdopt(hb)
    try {
      assert.equal(await b.claim('mine'), true)
      // A session whose owner died: B takes it over, and its load hangs.
      await c.db.query(
        `INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES ('orphan', 'gone', 1, now() - interval '1 second')`,
      )
      c.start()
      await hb.until(() => hb.adopted.includes('orphan'))
      const renewedSince = async (at: Date) =>
        (
          await c.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM session_leases WHERE session_id = 'mine' AND node = 'b' AND expires_at > $1::timestamptz + interval '1500 milliseconds'`,
            [at],
          )
        ).rows[0]!.n === '1'
      const { rows } = await c.db.query<{ now: Date }>('SELECT now()')
      const deadline = Date.now() + 20_000
      while (!(await renewedSince(rows[0]!.now))) {
        assert.ok(Date.now() < deadline, 'the lease of "mine" was renewed while "orphan" loaded')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      assert.ok(b.owns('mine'))
      assert.deepEqual(hb.lostIds, [])
    } finally {
      loaded()
      await c.close()
    }
  })

  it('a session whose lease is lost while it loads is stopped again once loaded', async () => {
    const c = await cluster(['b'], { leaseMs: 1500 })
    const [b] = c.nodes as [ClusterNode]
    const [hb] = c.hooks as [Recorder]
    const said: string[] = []
    const loaded = slowAdopt(hb, (id) => said.push(`loaded ${id}`))
    const lost = hb.lost.bind(hb)
    hb.lost = (id: string) => {
      said.push(`lost ${id}`)
      lost(id)
    }
    try {
      await c.db.query(
        `INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES ('s', 'gone', 1, now() - interval '1 second')`,
      )
      c.start()
      await hb.until(() => hb.adopted.includes('s'))
      // Another node took it meanwhile: B's next renewal finds the lease gone.
      await c.db.query(`UPDATE session_leases SET node = 'other', epoch = epoch + 1, expires_at = now() + interval '1 hour'`)
      await hb.until(() => hb.lostIds.includes('s'))
      loaded()
      await hb.until(() => hb.lostIds.length === 2)
      assert.deepEqual(said, ['lost s', 'loaded s', 'lost s'])
      assert.equal(b.owns('s'), false)
    } finally {
      loaded()
      await c.close()
    }
  })

  it('a lease taken while a renewal is under way is not judged by that renewal', async () => {
    const c = await cluster(['b'], { leaseMs: 3000 })
    const [b] = c.nodes as [ClusterNode]
    const [hb] = c.hooks as [Recorder]
    const blocker = await c.db.connect()
    try {
      assert.equal(await b.claim('held'), true)
      // The next renewal waits on this lock, so the claim below lands while it runs.
      await blocker.query('BEGIN')
      await blocker.query(`SELECT 1 FROM session_leases WHERE session_id = 'held' FOR UPDATE`)
      c.start()
      const deadline = Date.now() + 20_000
      const renewalWaits = async () =>
        (await c.db.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE session_leases%'`))
          .rowCount === 1
      while (!(await renewalWaits())) {
        assert.ok(Date.now() < deadline, 'the renewal never waited on the lock')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.equal(await b.claim('new'), true)
      await blocker.query('COMMIT')
      // Two more renewals: the new lease is renewed like any other, never lost.
      await new Promise((resolve) => setTimeout(resolve, 2500))
      assert.ok(b.owns('new'), 'the lease taken during the renewal is kept')
      assert.ok(b.owns('held'))
      assert.deepEqual(hb.lostIds, [])
    } finally {
      blocker.release()
      await c.close()
    }
  })

  it('a session asked for several times at once, during a takeover too, is taken and loaded once', async () => {
    const { c, b, hb } = await leftByA()
    try {
      const where = await Promise.all([b.locate('s1'), b.locate('s1'), b.locate('s1'), b.locate('s1')])
      assert.deepEqual(where, [undefined, undefined, undefined, undefined])
      assert.deepEqual(hb.adopted, ['s1'], 'loaded once')
      assert.equal(b.fence('s1').epoch, 2, 'the lease taken once')
    } finally {
      await b.close()
      await c.db.end()
    }
  })
})
