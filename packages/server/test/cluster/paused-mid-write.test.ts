// A node paused (SIGSTOP) inside a write's transaction holds that transaction's locks, the
// session's lease row among them (the fence's FOR SHARE): unbounded, no other node could take
// its sessions over until it ran again. Its connection is ended once it has been idle in the
// transaction for a lease, so another node takes the lease; and when the paused node runs
// again its write is refused (LEASE_LOST), the process still up.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ClusterNode } from '../../src/cluster/cluster-node.js'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { newSessionRecord } from '../../src/event-log/rows.js'
import { createLogger } from '../../src/logger.js'
import { sharedDataDir } from '../helpers/cluster-stack.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'

const LEASE_MS = 3000
const WRITER = new URL('../fixtures/paused-writer.ts', import.meta.url).pathname
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server.stop()
})

describe('a node paused inside a write', () => {
  it('holds no lock past its lease: another node takes the session, and the late write is refused', async () => {
    const url = await server.database()
    const store = await PostgresStore.open(url)
    const b = await ClusterNode.join(
      { nodeId: 'b', leaseMs: LEASE_MS, maxSessions: 8 },
      { url, queryTimeoutMs: undefined },
      'http://127.0.0.1:4001',
      createLogger({ level: 'silent' }),
      sharedDataDir(url),
    )
    const db = new pg.Pool({ connectionString: url })
    const blocker = await db.connect()
    const backends = async (where: string) =>
      (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND ${where}`)).rowCount ?? 0
    let output = ''
    const waitFor = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
      const deadline = Date.now() + ms
      // A check that hangs (a statement waiting on a lock) fails at the deadline too.
      const late = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())).unref())
      while (!(await Promise.race([check(), late()]))) {
        if (Date.now() > deadline) throw new Error(`not seen in ${ms} ms: ${what}; the writer said: ${output}`)
        await sleep(25)
      }
    }
    let writer: ReturnType<typeof spawn> | undefined
    try {
      await store.insertSession(newSessionRecord('s'))
      // The test's own uncommitted event 1 makes the writer's INSERT wait, so the writer can be
      // stopped at a known point: its statement runs once this rolls back, its COMMIT never.
      await blocker.query('BEGIN')
      await blocker.query(`INSERT INTO events (session_id, seq, at, type, frame) VALUES ('s', 1, 0, 'info', '{}')`)
      writer = spawn(process.execPath, ['--import', 'tsx', WRITER, url, 's', String(LEASE_MS)], { stdio: ['pipe', 'pipe', 'pipe'] })
      writer.stdout!.on('data', (d) => (output += d))
      writer.stderr!.on('data', (d) => (output += d))
      const exited = new Promise<number | null>((resolve) => writer!.on('exit', (code) => resolve(code)))
      await waitFor('the writer ready', async () => output.includes('ready\n'), 60_000)
      // C's lease from now: it writes at once, well inside it.
      await db.query(
        `INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES ('s', 'c', 1, now() + interval '${LEASE_MS} milliseconds')`,
      )
      writer.stdin!.end('go\n')
      await waitFor(
        'the writer waiting on the lock',
        async () => (await backends(`wait_event_type = 'Lock' AND query LIKE 'INSERT INTO events%'`)) === 1,
      )
      writer.kill('SIGSTOP')
      await blocker.query('ROLLBACK')
      await waitFor('the writer idle in its transaction', async () => (await backends(`state = 'idle in transaction'`)) === 1)

      // C holds the lease row FOR SHARE. Its lease runs out, then its connection is ended.
      let taken = false
      await waitFor('B taking the lease while C is still stopped', async () => (taken = await b.claim('s')), 6 * LEASE_MS)
      assert.ok(taken)
      assert.equal(await backends(`state = 'idle in transaction'`), 0, "C's transaction is gone")

      writer.kill('SIGCONT')
      const code = await Promise.race([exited, sleep(60_000).then(() => 'still running')])
      assert.equal(code, 0, output)
      assert.deepEqual(JSON.parse(output.trim().split('\n').at(-1)!), { outcome: 'LEASE_LOST' }, output)
      assert.equal((await db.query(`SELECT 1 FROM events WHERE session_id = 's'`)).rowCount, 0, 'C wrote nothing')
    } finally {
      writer?.kill('SIGCONT')
      writer?.kill('SIGKILL')
      blocker.release()
      await db.end()
      await b.close()
      await store.close()
    }
  })
})
