// The PostgreSQL store's writes of an owned session carry its lease: an append or any session
// write (state, config, allowed tools, readers, a prompt's uuid, a delete) under a lease that moved is refused with LEASE_LOST and writes nothing, also inside a
// group of appends that commit together, where the other sessions' appends still land.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { Leases } from '../../src/cluster/leases.js'
import { ensureClusterSchema } from '../../src/cluster/schema.js'
import { ServerError } from '../../src/errors.js'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { newSessionRecord } from '../../src/event-log/rows.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server.stop()
})

const info = (message: string) => ({ type: 'info' as const, message, source: 'server' as const })
const leaseLost = (err: unknown) => err instanceof ServerError && err.code === 'LEASE_LOST'

/** A store on a fresh database with the cluster's tables, and a pool to move leases with. */
async function fenced(test: (store: PostgresStore, pool: pg.Pool) => Promise<void>): Promise<void> {
  const url = await server.database()
  const store = await PostgresStore.open(url)
  const pool = new pg.Pool({ connectionString: url })
  try {
    await ensureClusterSchema(pool)
    await test(store, pool)
  } finally {
    await store.close()
    await pool.end()
  }
}

describe('the PostgreSQL store, fenced', () => {
  it('refuses an append and a state write under a lease that moved; the new owner writes on', async () => {
    await fenced(async (store, pool) => {
      await store.insertSession(newSessionRecord('s1'))
      const a = (await new Leases(pool, 'a', 60_000).acquire('s1'))!
      assert.equal((await store.append('s1', info('one'), a)).seq, 1)
      await store.updateSessionState('s1', 'running', a)

      await pool.query(`UPDATE session_leases SET expires_at = now() - interval '1 second'`)
      const b = (await new Leases(pool, 'b', 60_000).acquire('s1'))!
      await assert.rejects(store.append('s1', info('late'), a), leaseLost)
      await assert.rejects(store.updateSessionState('s1', 'idle', a), leaseLost)
      await assert.rejects(store.append('s1', info('no lease at all'), { node: 'a', epoch: 0 }), leaseLost)
      assert.equal(await store.lastSeq('s1'), 1, 'nothing written')
      assert.equal((await store.getSession('s1'))!.state, 'running', 'the state unchanged')

      const event = await store.append('s1', info('two'), b)
      assert.equal(event.seq, 2, 'the next seq, no gap')
      await store.updateSessionState('s1', 'idle', b)
      assert.equal((await store.getSession('s1'))!.state, 'idle')
    })
  })

  it('refuses every session write (state, config, allowed tools, readers, a prompt run, a delete) under a lease that moved; the row is unchanged', async () => {
    await fenced(async (store, pool) => {
      await store.insertSession(newSessionRecord('s1'))
      const a = (await new Leases(pool, 'a', 60_000).acquire('s1'))!
      await store.updateSessionConfig('s1', { model: 'first' }, a)
      await store.updateAllowedTools('s1', ['Read'], a)
      await store.updateReaders('s1', ['ann'], a)
      const before = await store.getSession('s1')
      assert.deepEqual([before!.config, before!.allowedTools, before!.readers], [{ model: 'first' }, ['Read'], ['ann']])

      await pool.query(`UPDATE session_leases SET expires_at = now() - interval '1 second'`)
      const b = (await new Leases(pool, 'b', 60_000).acquire('s1'))!
      for (const stale of [a, { node: 'a', epoch: 0 }, { node: 'b', epoch: b.epoch - 1 }]) {
        await assert.rejects(store.updateSessionState('s1', 'idle', stale), leaseLost)
        await assert.rejects(store.updateSessionConfig('s1', { model: 'late' }, stale), leaseLost)
        await assert.rejects(store.updateAllowedTools('s1', ['Bash'], stale), leaseLost)
        await assert.rejects(store.updateReaders('s1', ['mallory'], stale), leaseLost)
        await assert.rejects(store.rememberPrompt('s1', 'late-uuid', stale), leaseLost)
      }
      assert.equal(await store.hasPrompt('s1', 'late-uuid'), false, 'no prompt marked as run')
      assert.deepEqual(await store.getSession('s1'), before, 'nothing the old owner wrote landed')

      for (const stale of [a, { node: 'b', epoch: b.epoch - 1 }]) await assert.rejects(store.deleteSession('s1', stale), leaseLost)
      assert.deepEqual(await store.getSession('s1'), before, 'a stale delete deleted nothing')

      await store.updateReaders('s1', ['bob'], b)
      assert.deepEqual((await store.getSession('s1'))!.readers, ['bob'], 'the new owner writes on')
      assert.equal(await store.rememberPrompt('s1', 'late-uuid', b), true)
      assert.equal(await store.rememberPrompt('s1', 'late-uuid', b), false, 'a uuid it had is no lease failure')
      await store.deleteSession('s1', b)
      assert.equal(await store.getSession('s1'), undefined, 'the owner deletes')
      await store.updateReaders('gone', ['x'], b)
      assert.equal(await store.getSession('gone'), undefined, 'a write of a deleted session is no lease failure')
    })
  })

  it('in a group of appends committed together, only the fenced-out one fails', async () => {
    await fenced(async (store, pool) => {
      const leases = new Leases(pool, 'a', 60_000)
      for (const id of ['ok', 'moved']) await store.insertSession(newSessionRecord(id))
      const ok = (await leases.acquire('ok'))!
      const stale = { node: 'a', epoch: 99 }
      const writes = [
        store.append('ok', info('1'), ok),
        store.append('moved', info('x'), stale),
        store.append('ok', info('2'), ok),
        store.append('moved', info('y')),
      ]
      const results = await Promise.allSettled(writes)
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      )
      assert.ok(leaseLost((results[1] as PromiseRejectedResult).reason))
      assert.equal(await store.lastSeq('ok'), 2)
      assert.deepEqual(
        (await store.read('moved', 0, 10)).map((e) => JSON.parse(e.text).message),
        ['y'],
        'the unfenced append of another caller lands; the refused one took no seq',
      )
    })
  })
})
