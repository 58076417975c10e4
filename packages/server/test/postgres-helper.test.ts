// The test PostgreSQL itself: it starts, hands out separate databases, and stops.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { startPostgres, type PostgresServer } from './helpers/postgres.js'

let server: PostgresServer
before(async () => {
  server = await startPostgres()
})
after(async () => {
  await server.stop()
})

test('each database() is a separate, empty, writable database', async () => {
  const [a, b] = [await server.database(), await server.database()]
  assert.notEqual(a, b)
  const one = new pg.Client({ connectionString: a })
  const two = new pg.Client({ connectionString: b })
  await Promise.all([one.connect(), two.connect()])
  try {
    await one.query('CREATE TABLE t (x int)')
    await one.query('INSERT INTO t VALUES (1)')
    assert.deepEqual((await one.query('SELECT x FROM t')).rows, [{ x: 1 }])
    await assert.rejects(two.query('SELECT x FROM t'), /does not exist/)
  } finally {
    await Promise.all([one.end(), two.end()])
  }
})
