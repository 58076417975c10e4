// Two servers under one CLUSTER_NODE_ID (both named after the host by default) took each
// other's leases as their own: every request one served stole the session from the other.
// Real processes on a real PostgreSQL: the second is refused while the first lives, the
// first serves on untouched, and once it is SIGKILLed a node under its id starts again.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { api } from '../helpers/http.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { runToExit } from '../helpers/server-process.js'
import { ServerProcesses } from '../helpers/server-processes.js'

describe('a CLUSTER_NODE_ID in use', () => {
  let postgres: PostgresServer
  let servers: ServerProcesses
  let db: pg.Pool

  before(async () => {
    postgres = await startPostgres()
    const databaseUrl = await postgres.database()
    db = new pg.Pool({ connectionString: databaseUrl })
    servers = await ServerProcesses.start('node-id', { scripts: [] }, { DATABASE_URL: databaseUrl, CLUSTER_LEASE_MS: '1000', PREWARM: '0' })
  })
  after(async () => {
    await db?.end()
    await servers?.stop()
    await postgres?.stop()
  })

  const lease = async (id: string) =>
    (await db.query<{ node: string; epoch: number }>('SELECT node, epoch::int FROM session_leases WHERE session_id = $1', [id])).rows[0]

  it('refuses a second node under the id while the first lives; a restart after SIGKILL takes it', async () => {
    const first = await servers.spawn({ CLUSTER_NODE_ID: 'twin' })
    const created = await fetch(`${first.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HOP_HEADER]: 'test' },
      body: JSON.stringify({ id: 'mine' }),
    })
    assert.equal(created.status, 201, await created.text())
    const held = await lease('mine')
    const row = async () => (await db.query<{ url: string }>(`SELECT url FROM cluster_nodes WHERE id = 'twin'`)).rows[0]?.url

    const second = await runToExit({ ...servers.env, CLUSTER_NODE_ID: 'twin' }, servers.dir)
    assert.equal(second.code, 1, second.output)
    assert.match(second.output, /CLUSTER_NODE_ID "twin" is in use by another live node/)
    assert.deepEqual(await lease('mine'), held, 'the lease is untouched')
    assert.equal(await row(), first.url, "the first node's row is its own")
    assert.equal((await api(first.url, 'GET', '/sessions/mine')).status, 200)

    first.child.kill('SIGKILL')
    await first.exited
    const again = await servers.spawn({ CLUSTER_NODE_ID: 'twin' })
    assert.equal((await api(again.url, 'GET', '/sessions/mine')).status, 200)
    assert.equal((await lease('mine'))?.node, 'twin')
    again.child.kill('SIGTERM')
    assert.equal(await again.exited, 0, again.output())
  })
})
