// A PostgreSQL that stops answering (SIGSTOPped: nothing refused, every query hangs) or goes
// down (refused): the store's reads and writes fail typed (STORE_FAILED) within about
// DATABASE_QUERY_TIMEOUT_MS instead of hanging forever or failing as an unknown error, a queue
// of writes fails together rather than one timeout after another, and once the database is
// back the same store reads and writes again, numbering after what it holds.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { ServerError } from '../../src/errors.js'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { within } from '../helpers/within.js'
import { sessionRecord } from './contract.js'

const QUERY_TIMEOUT_MS = 400
/** A liveness bound, far above what the timeout makes an outage take and far below what a
 * write queue tried one write at a time (a timeout each) would. */
const SETTLES_WITHIN_MS = 8_000

let server: PostgresServer
let store: PostgresStore
let paused = false
let halted = false

before(async () => {
  server = await startPostgres()
  store = await PostgresStore.open(await server.database(), { queryTimeoutMs: QUERY_TIMEOUT_MS })
  await store.insertSession(sessionRecord('s'))
  await store.append('s', { type: 'info', message: 'before', source: 'server' })
  // Reads at once fill the pool with open connections: a write queue tried again one write at
  // a time would find one ready for each try, and wait out a timeout on each.
  await Promise.all(Array.from({ length: 10 }, () => store.read('s', 0, 100)))
})
after(async () => {
  if (paused) server.unpause()
  if (halted) server.resume()
  await store?.close()
  await server?.stop()
})

/** Every promise settled, or a failure naming the bound. */
const settled = (what: string, promises: Promise<unknown>[]) => within(SETTLES_WITHIN_MS, what, Promise.allSettled(promises))

const storeFailed = (result: PromiseSettledResult<unknown>) =>
  result.status === 'rejected' && result.reason instanceof ServerError && result.reason.code === 'STORE_FAILED'

describe('the PostgreSQL store when the database is unavailable', () => {
  it('fails reads and a queue of writes with STORE_FAILED while the database does not answer', async () => {
    server.pause()
    paused = true
    const reads = await settled('reads', [store.getSession('s'), store.read('s', 0, 100), store.listSessions()])
    for (const result of reads) assert.ok(storeFailed(result), `a read: ${String((result as PromiseRejectedResult).reason)}`)
    // Fifty appends queued together: one group, failed as one.
    const appends = Array.from({ length: 50 }, (_, i) => store.append('s', { type: 'info', message: `frozen ${i}`, source: 'server' }))
    for (const result of await settled('appends', appends)) assert.ok(storeFailed(result), `an append: ${JSON.stringify(result)}`)
    const write = await settled('a write', [store.insertSession(sessionRecord('t'))])
    assert.ok(storeFailed(write[0]!), `a session insert: ${JSON.stringify(write[0])}`)
    server.unpause()
    paused = false
  })

  it('fails them with STORE_FAILED, not an unknown error, while the database is down', async () => {
    await server.checkpoint()
    server.halt()
    halted = true
    const results = await settled('while down', [
      store.getSession('s'),
      store.append('s', { type: 'info', message: 'down', source: 'server' }),
    ])
    for (const result of results) assert.ok(storeFailed(result), JSON.stringify(result))
    server.resume()
    halted = false
  })

  it('reads and writes again once the database is back, numbering after what it holds', async () => {
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        await store.getSession('s')
        break
      } catch (err) {
        if (Date.now() > deadline) throw err
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    const event = await store.append('s', { type: 'info', message: 'after', source: 'server' })
    const events = await store.read('s', 0, 100)
    assert.equal(events.at(-1)?.seq, event.seq)
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'gap-free',
    )
    assert.deepEqual(
      events.map((e) => (JSON.parse(e.text) as { message: string }).message),
      ['before', 'after'],
      'no write reported failed was recorded',
    )
  })
})

describe('the PostgreSQL store on a database that takes no writes', () => {
  it('fails writes with STORE_FAILED, not an unknown error, and still reads', async () => {
    const url = await server.database()
    const readOnly = await PostgresStore.open(url, { queryTimeoutMs: QUERY_TIMEOUT_MS })
    try {
      await readOnly.insertSession(sessionRecord('r'))
      // Read only from now on, as a demoted primary or a managed database whose disk filled up;
      // the store's connections are ended (waited for), so the next ones are read only.
      const name = new URL(url).pathname.slice(1)
      const admin = new pg.Client({ connectionString: server.url })
      await admin.connect()
      try {
        await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`)
        await admin.query('SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1', [name])
      } finally {
        await admin.end()
      }
      const deadline = Date.now() + 10_000
      while (!(await readOnly.getSession('r').then(Boolean, () => false))) {
        if (Date.now() > deadline) throw new Error('the store never read again')
      }
      const writes = await settled('writes', [
        readOnly.insertSession(sessionRecord('t')),
        readOnly.append('r', { type: 'info', message: 'refused', source: 'server' }),
      ])
      for (const result of writes) assert.ok(storeFailed(result), `a write: ${String((result as PromiseRejectedResult).reason)}`)
      assert.equal((await readOnly.getSession('r'))?.id, 'r')
    } finally {
      await readOnly.close()
    }
  })
})
