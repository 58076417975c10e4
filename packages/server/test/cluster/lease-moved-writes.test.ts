// A real server in cluster mode whose session's lease moved to another node behind its back
// (it has not noticed yet): every write it still tries is refused in PostgreSQL, the caller
// hears LEASE_LOST, the session stops on this node and its row is what the new owner left; a
// delete deletes nothing (not the row, the history or the workspace).
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

let postgres: PostgresServer
let db: pg.Pool
let a: Stack

before(async () => {
  postgres = await startPostgres()
  const databaseUrl = await postgres.database()
  db = new pg.Pool({ connectionString: databaseUrl })
  a = await startStack({
    settings: {
      prewarm: false,
      authTokens: Object.entries(PRINCIPALS).map(([label, p]) => ({ label, role: p.role, token: p.token })),
      databaseUrl,
      // Renewed every 200 s: the node does not notice the move by itself during the test.
      cluster: { nodeId: 'a', leaseMs: 600_000, maxSessions: 64 },
    },
  })
})
after(async () => {
  await a?.close()
  await db?.end()
  await postgres?.stop()
})

/** Another node ("z") takes the session's lease, as after A was presumed dead. */
const moveLease = (id: string) =>
  db.query(`UPDATE session_leases SET node = 'z', epoch = epoch + 1, expires_at = now() + interval '1 hour' WHERE session_id = $1`, [id])
const row = async (id: string) =>
  (await db.query<{ config: string; readers: string; state: string }>('SELECT config, readers, state FROM sessions WHERE id = $1', [id]))
    .rows[0]
const attach = (id: string) =>
  WsProbe.connect(`${a.url.replace(/^http/, 'ws')}/sessions/${id}/ws`, { headers: { authorization: `Bearer ${PRINCIPALS.ann.token}` } })
const create = async (id: string) => {
  const created = await as(a, 'ann', 'POST', '/sessions', { id }, { [HOP_HEADER]: 'test' })
  assert.equal(created.status, 201, created.text)
}

describe('writes of a session whose lease moved', () => {
  it('sharing it (readers) answers LEASE_LOST, stops it here and leaves its row as it was', async () => {
    await create('s_readers')
    const before = await row('s_readers')
    await moveLease('s_readers')
    const shared = await as(a, 'ann', 'PUT', '/sessions/s_readers/readers/bob', undefined, { [HOP_HEADER]: 'test' })
    assert.equal(shared.status, 503, shared.text)
    assert.equal(shared.body.code, 'LEASE_LOST')
    assert.ok(!a.server.sessions.has('s_readers'), 'the session stopped on A')
    assert.deepEqual(await row('s_readers'), before)
  })

  it('deleting it answers LEASE_LOST and deletes nothing: the row, the history and the workspace stay', async () => {
    await create('s_delete')
    const workspace = a.workspaceOf('s_delete')
    writeFileSync(join(workspace, 'keep.txt'), 'the new owner works here')
    const before = await row('s_delete')
    const events = async () => (await db.query('SELECT seq FROM events WHERE session_id = $1', ['s_delete'])).rowCount
    const history = await events()
    const probe = await attach('s_delete')
    await moveLease('s_delete')
    const deleted = await as(a, 'ann', 'DELETE', '/sessions/s_delete', undefined, { [HOP_HEADER]: 'test' })
    assert.equal(deleted.status, 503, deleted.text)
    assert.equal(deleted.body.code, 'LEASE_LOST')
    const told = await probe.next((f) => f.type === 'error')
    probe.close()
    assert.equal(told['code'], 'LEASE_LOST', `its client is told to reconnect, not that it was deleted: ${JSON.stringify(told)}`)
    assert.ok(!a.server.sessions.has('s_delete'), 'the session stopped on A')
    assert.deepEqual(await row('s_delete'), before)
    assert.equal(await events(), history, 'its history stays')
    await new Promise((resolve) => setTimeout(resolve, 200)) // a removal would follow the CLI's exit
    assert.equal(readFileSync(join(workspace, 'keep.txt'), 'utf8'), 'the new owner works here')
    const lease = await db.query('SELECT node FROM session_leases WHERE session_id = $1', ['s_delete'])
    assert.equal(lease.rows[0]?.node, 'z', "the new owner's lease stays")
  })

  it('a delete the database refuses deletes nothing and leaves the session served here', async () => {
    await create('s_refused')
    const before = await row('s_refused')
    await db.query(
      `CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`,
    )
    await db.query(
      `CREATE TRIGGER refuse_delete BEFORE DELETE ON sessions FOR EACH ROW WHEN (OLD.id = 's_refused') EXECUTE FUNCTION refuse_delete()`,
    )
    const probe = await attach('s_refused')
    try {
      const deleted = await as(a, 'ann', 'DELETE', '/sessions/s_refused', undefined, { [HOP_HEADER]: 'test' })
      assert.ok(deleted.status >= 500, deleted.text)
      assert.ok(!deleted.text.includes('postgres://'), 'no database URL in the answer')
      const told = await probe.next((f) => f.type === 'error')
      assert.equal(told['code'], 'STORE_FAILED', `its client is told why: ${JSON.stringify(told)}`)
      assert.match(String(told['error']), /was not deleted/)
      assert.equal(await probe.closedWith, 1001, 'and to reconnect')
    } finally {
      probe.close()
      await db.query('DROP TRIGGER refuse_delete ON sessions')
      await db.query('DROP FUNCTION refuse_delete()')
    }
    assert.deepEqual(await row('s_refused'), before, 'the row stays')
    for (let i = 0; i < 100 && !a.server.sessions.has('s_refused'); i++) await new Promise((r) => setTimeout(r, 20))
    assert.ok(a.server.sessions.has('s_refused'), 'served again from its stored record')
    const again = await as(a, 'ann', 'DELETE', '/sessions/s_refused', undefined, { [HOP_HEADER]: 'test' })
    assert.equal(again.status, 200, again.text)
  })

  it('creating an id whose lease another node holds (its delete there not done) is SESSION_EXISTS and stores nothing', async () => {
    // Node z deleted its session s_taken and still removes its files, its lease kept until then:
    // a session made here now would have them removed under it (DATA_DIR is shared).
    await db.query(`INSERT INTO session_leases (session_id, node, epoch, expires_at) VALUES ('s_taken', 'z', 3, now() + interval '1 hour')`)
    const created = await as(a, 'ann', 'POST', '/sessions', { id: 's_taken' }, { [HOP_HEADER]: 'test' })
    assert.equal(created.status, 409, created.text)
    assert.equal(created.body.code, 'SESSION_EXISTS')
    assert.equal(await row('s_taken'), undefined, 'nothing stored')
    assert.ok(!a.server.sessions.has('s_taken'))
    const lease = await db.query('SELECT node, epoch FROM session_leases WHERE session_id = $1', ['s_taken'])
    assert.deepEqual(lease.rows[0], { node: 'z', epoch: '3' }, "z's lease is untouched")
    // Once z is done (its lease gone), the id is free.
    await db.query(`DELETE FROM session_leases WHERE session_id = 's_taken'`)
    await create('s_taken')
  })

  it('a session made with an id whose delete a killed node left half done starts without its files', async () => {
    // The killed node's delete committed, its lease lapsed, and its files stayed.
    const left = join(a.settings.dataDir, 'workspaces', 'sessions', 's_left')
    mkdirSync(left, { recursive: true })
    writeFileSync(join(left, 'secret.txt'), "the last owner's")
    await create('s_left')
    assert.equal(a.workspaceOf('s_left'), left)
    assert.deepEqual(readdirSync(a.workspaceOf('s_left')), [])
  })

  it('a failed create of an id leaves no lease behind', async () => {
    const refused = await as(a, 'ann', 'POST', '/sessions', { id: 's_badcwd', config: { cwd: '../outside' } }, { [HOP_HEADER]: 'test' })
    assert.equal(refused.status, 400, refused.text)
    assert.equal((await db.query('SELECT 1 FROM session_leases WHERE session_id = $1', ['s_badcwd'])).rowCount, 0)
  })

  it('a live model switch answers LEASE_LOST and its config is not stored', async () => {
    await create('s_model')
    const before = await row('s_model')
    const probe = await WsProbe.connect(`${a.url.replace(/^http/, 'ws')}/sessions/s_model/ws`, {
      headers: { authorization: `Bearer ${PRINCIPALS.ann.token}` },
    })
    try {
      await moveLease('s_model')
      probe.send({ type: 'control', id: 'c1', request: { subtype: 'set_model', model: 'late-model' } })
      // The session stops at once: its clients hear LEASE_LOST (the control's answer may not come).
      const told = await probe.next((f) => (f.type === 'error' && f['code'] === 'LEASE_LOST') || f.type === 'control_response')
      const code = told.type === 'error' ? told['code'] : (told['error'] as { code?: string } | undefined)?.code
      assert.equal(code, 'LEASE_LOST', `told: ${JSON.stringify(told)}`)
    } finally {
      probe.close()
    }
    assert.ok(!a.server.sessions.has('s_model'), 'the session stopped on A')
    assert.deepEqual(await row('s_model'), before)
  })

  it('a prompt is neither recorded as run nor sent to the model', async () => {
    await create('s_prompt')
    const probe = await WsProbe.connect(`${a.url.replace(/^http/, 'ws')}/sessions/s_prompt/ws`, {
      headers: { authorization: `Bearer ${PRINCIPALS.ann.token}` },
    })
    try {
      await moveLease('s_prompt')
      const uuid = '4f7c2b1e-9a3d-4e5f-8b6a-1c2d3e4f5a6b'
      probe.send({ type: 'user_message', data: { type: 'user', uuid, message: { role: 'user', content: 'too late' } } })
      await probe.next((f) => f.type === 'error' && f['code'] === 'LEASE_LOST')
    } finally {
      probe.close()
    }
    assert.ok(!a.server.sessions.has('s_prompt'), 'the session stopped on A')
    assert.equal((await db.query('SELECT 1 FROM prompts WHERE session_id = $1', ['s_prompt'])).rowCount, 0)
    assert.equal(a.model.requests.filter((r) => r.kind === 'turn').length, 0, 'no turn reached the model')
  })
})
