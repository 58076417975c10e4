// A server on PostgreSQL (DATABASE_URL): a real turn through the real CLI against the scripted
// model, replay with ?after=, and a server started again on the same database (and the same
// shared data dir) that has the session, its history and its conversation. Nothing goes to SQLite.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { api } from './helpers/http.js'
import { startPostgres, type PostgresServer } from './helpers/postgres.js'
import { spawnServer } from './helpers/server-process.js'
import { REMEMBER_ADA, ServerProcesses } from './helpers/server-processes.js'
import { WsProbe } from './helpers/ws-probe.js'

describe('a server on PostgreSQL', () => {
  let postgres: PostgresServer
  let servers: ServerProcesses

  before(async () => {
    postgres = await startPostgres()
    servers = await ServerProcesses.start('pg-server', { scripts: REMEMBER_ADA }, { DATABASE_URL: await postgres.database() })
  })
  after(async () => {
    await servers?.stop()
    await postgres?.stop()
  })

  it('runs a turn, replays after a cursor, and keeps everything across a restart', async () => {
    const first = await servers.spawn()
    await api(first.url, 'POST', '/sessions', { id: 'pg' })
    const probe = await WsProbe.connect(`${first.wsBase}/sessions/pg/ws`)
    assert.equal(await probe.ask('my name is Ada'), 'Hello Ada')
    probe.close()
    const seen = (await api(first.url, 'GET', '/sessions/pg/events')).body['events'] as Array<{ seq: number }>
    const lastSeq = seen.at(-1)!.seq
    assert.deepEqual(
      seen.map((e) => e.seq),
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    )
    const replay = await WsProbe.connect(`${first.wsBase}/sessions/pg/ws?after=2`)
    await replay.next((f) => f['seq'] === lastSeq)
    assert.deepEqual(
      replay.frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq']),
      Array.from({ length: lastSeq - 2 }, (_, i) => i + 3),
    )
    replay.close()
    assert.equal(existsSync(join(servers.dataDir, 'sessions.db')), false, 'no SQLite file')
    first.child.kill('SIGKILL')
    await first.exited

    const second = await servers.spawn()
    const history = (await api(second.url, 'GET', '/sessions/pg/events')).body['events'] as Array<{ seq: number }>
    assert.deepEqual(
      history.slice(0, lastSeq).map((e) => e.seq),
      seen.map((e) => e.seq),
    )
    const again = await WsProbe.connect(`${second.wsBase}/sessions/pg/ws?after=${lastSeq}`)
    assert.equal(await again.ask('what is my name'), 'Your name is Ada', 'the conversation resumed')
    again.close()
    const db = new pg.Client({ connectionString: servers.env['DATABASE_URL'] })
    await db.connect()
    try {
      const { rows } = await db.query<{ n: string; last: string }>(
        "SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE session_id = 'pg'",
      )
      assert.equal(rows[0]!.n, rows[0]!.last, 'gap-free in the database')
    } finally {
      await db.end()
    }
    second.child.kill('SIGTERM')
    await second.exited
  })

  it('will not start on an unreachable database, naming its host and never its password', async () => {
    const bad = { ...servers.env, DATABASE_URL: 'postgres://agent:pw-never-shown@127.0.0.1:1/claude' }
    await assert.rejects(spawnServer(bad, servers.dir), (err: Error) => {
      assert.match(err.message, /127\.0\.0\.1:1\/claude/)
      assert.doesNotMatch(err.message, /pw-never-shown/)
      return true
    })
  })
})
