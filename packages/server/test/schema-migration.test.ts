// The SQLite schema has versions (PRAGMA user_version). A database made by the server before
// versions existed (the v1 DDL kept as a fixture) migrates on open and keeps its sessions and
// events; the prompt uuids its CLI echoed are remembered, so resending one is refused. A
// database from a newer server is refused with its path, untouched.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../src/event-log/sqlite-store.js'
import { SCHEMA_VERSION } from '../src/event-log/schema.js'
import { createLogger, settingsFromEnv, startServer } from '../src/index.js'
import { api } from './helpers/http.js'
import { WsProbe } from './helpers/ws-probe.js'

const V1_DDL = readFileSync(join(import.meta.dirname, 'fixtures', 'schema-v1.sql'), 'utf8')
const RAN = '0a0b0c0d-0000-4000-8000-00000000aaaa'

/** Writes a sessions.db as the v1 code did: its DDL, rows in its format, user_version 0. */
function makeV1Database(path: string): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(V1_DDL)
  db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)').run(
    'old',
    'c0ffee00-0000-4000-8000-000000000000',
    '2025-01-01T00:00:00.000Z',
    '{}',
    'idle',
    '["Bash"]',
  )
  const frames = [
    { type: 'session_state', state: 'running' },
    {
      type: 'sdk_message',
      data: {
        type: 'user',
        uuid: RAN,
        isReplay: true,
        session_id: 'x',
        parent_tool_use_id: null,
        message: { role: 'user', content: 'hi' },
      },
    },
    {
      type: 'sdk_message',
      data: { type: 'user', uuid: 'tool-result-uuid', session_id: 'x', parent_tool_use_id: null, message: { role: 'user', content: [] } },
    },
    { type: 'sdk_message', data: { type: 'result', subtype: 'success', is_error: false, result: 'hello' } },
    { type: 'session_state', state: 'idle' },
  ]
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)')
  frames.forEach((frame, i) => insert.run('old', i + 1, 1_700_000_000_000 + i, frame.type, JSON.stringify({ ...frame, seq: i + 1 })))
  db.close()
}

describe('schema versions', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-schema-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('migrates a database made before versions, keeping its sessions, events and prompt uuids', async () => {
    const path = join(dir, 'v1.db')
    makeV1Database(path)
    const store = new SqliteStore(path)
    try {
      const old = await store.getSession('old')
      assert.equal(old?.allowedTools[0], 'Bash')
      // Sessions from before owners belong to the admins, shared with nobody.
      assert.equal(old?.owner, null)
      assert.deepEqual(old?.readers, [])
      assert.deepEqual(await store.listTokens(), [])
      const events = await store.read('old', 0, 100)
      assert.deepEqual(
        events.map((e) => e.seq),
        [1, 2, 3, 4, 5],
      )
      assert.equal(JSON.parse(events[3]!.text).data.result, 'hello')
      assert.equal(await store.lastSeq('old'), 5)
      assert.equal((await store.append('old', { type: 'info', message: 'after', source: 'server' })).seq, 6)
      assert.equal(await store.hasPrompt('old', RAN), true, 'the echoed prompt uuid was filled in')
      assert.equal(await store.hasPrompt('old', 'tool-result-uuid'), false, 'only prompts, not tool results')
      assert.equal(await store.rememberPrompt('old', RAN), false)
      assert.equal(await store.rememberPrompt('old', 'new-uuid'), true)
    } finally {
      await store.close()
    }
    const db = new Database(path)
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
    db.close()
    // Opening again is a no-op: the version says there is nothing to do.
    const again = new SqliteStore(path)
    assert.equal(await again.hasPrompt('old', 'new-uuid'), true)
    await again.deleteSession('old')
    assert.equal(await again.hasPrompt('old', 'new-uuid'), false, 'prompt uuids go with their session')
    await again.close()
  })

  it('refuses a database from a newer server, naming it, and leaves it as it was', () => {
    const path = join(dir, 'newer.db')
    const db = new Database(path)
    db.exec(V1_DDL)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    assert.throws(
      () => new SqliteStore(path),
      (err: Error) => err.message.includes(path) && /newer/.test(err.message),
    )
    const check = new Database(path)
    assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1)
    assert.equal(check.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'prompts'").get()!.n, 0)
    check.close()
  })

  for (const [what, version] of [
    ['with no version (another program made it)', 0],
    ['with a version of its own (another program counts in user_version too)', 3],
  ] as const) {
    it(`refuses a foreign SQLite database ${what}, naming it, and leaves its bytes and journal mode as they were`, () => {
      const path = join(dir, `foreign-${version}.db`)
      const db = new Database(path)
      db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')")
      db.pragma(`user_version = ${version}`)
      db.close()
      const before = readFileSync(path)
      assert.throws(
        () => new SqliteStore(path),
        (err: Error) => err.message.includes(path) && /not a claude-agent-server database/.test(err.message),
      )
      assert.ok(readFileSync(path).equals(before), 'not a byte changed (no tables added, still a rollback journal)')
      assert.equal(existsSync(`${path}-wal`), false, 'no WAL made beside it')
    })
  }

  it('a server started on a v1 data dir serves the old history and refuses the old prompt uuid', async () => {
    const dataDir = join(dir, 'data')
    mkdirSync(dataDir)
    makeV1Database(join(dataDir, 'sessions.db'))
    const settings = {
      ...settingsFromEnv({ DATA_DIR: dataDir, WORKSPACE_DIR: join(dir, 'workspace'), PREWARM: '0' }),
      port: 0,
    }
    const server = await startServer({ settings, logger: createLogger({ level: 'silent' }) })
    try {
      const history = (await api(server.url, 'GET', '/sessions/old/events')).body['events'] as Array<{ seq: number }>
      assert.deepEqual(history.map((e) => e.seq).slice(0, 5), [1, 2, 3, 4, 5])
      const probe = await WsProbe.connect(`${server.url.replace(/^http/, 'ws')}/sessions/old/ws?after=5`)
      probe.send({ type: 'user_message', data: { type: 'user', uuid: RAN, message: { role: 'user', content: 'hi' } } })
      const refused = await probe.next((f) => f.type === 'error')
      assert.equal(refused['code'], 'DUPLICATE_PROMPT')
      probe.close()
    } finally {
      await server.close()
    }
  })
})
