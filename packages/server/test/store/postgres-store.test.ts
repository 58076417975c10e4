// The store contract on PostgreSQL: a real server (test/helpers/postgres.ts), a fresh database
// per test; plus what only PostgreSQL has: two stores (two nodes) on one database.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { sessionRecord, storeContract } from './contract.js'

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server?.stop()
})

storeContract('PostgreSQL', async () => {
  const url = await server.database()
  return { store: await PostgresStore.open(url), reopen: () => PostgresStore.open(url) }
})

describe('PostgreSQL store on a shared database', () => {
  it('migrates once when two nodes open it at the same time', async () => {
    const url = await server.database()
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)])
    try {
      await a.insertSession(sessionRecord('one'))
      assert.equal((await b.getSession('one'))?.id, 'one')
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('refuses an append whose seq another node took, then numbers after it', async () => {
    const url = await server.database()
    const [a, b] = [await PostgresStore.open(url), await PostgresStore.open(url)]
    try {
      await a.insertSession(sessionRecord('s'))
      assert.equal(await a.lastSeq('s'), 0)
      assert.equal((await b.append('s', { type: 'info', message: 'from b', source: 'server' })).seq, 1)
      // a still thinks the log is empty: the primary key refuses its seq 1, and nothing is lost.
      await assert.rejects(
        a.append('s', { type: 'info', message: 'from a', source: 'server' }),
        (err: Error & { code?: string }) => err.code === 'STORE_FAILED',
      )
      assert.equal((await a.append('s', { type: 'info', message: 'from a again', source: 'server' })).seq, 2)
      assert.deepEqual(
        (await b.read('s', 0, 10)).map((e) => JSON.parse(e.text).message),
        ['from b', 'from a again'],
      )
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('says which server it could not reach, never the password', async () => {
    await assert.rejects(PostgresStore.open('postgres://user:hunter2-secret@127.0.0.1:1/db'), (err: Error) => {
      assert.match(err.message, /127\.0\.0\.1:1\/db/)
      assert.doesNotMatch(err.message, /hunter2/)
      return true
    })
  })
})
