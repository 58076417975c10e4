// The SQLite store's writes are grouped per tick: one transaction for what a turn writes at
// once, each write in its own savepoint, durable before it resolves, in call order. Real files.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StoredEvent } from '../../src/event-log/event-log.js'
import { newSessionRecord } from '../../src/event-log/rows.js'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import { metricsText } from '../../src/metrics/metrics.js'

const info = (message: string) => ({ type: 'info' as const, message, source: 'server' as const })

async function counter(name: string, labels: string): Promise<number> {
  const line = (await metricsText()).split('\n').find((l) => l.startsWith(`claude_agent_${name}{${labels}}`))
  return line ? Number(line.split(' ').at(-1)) : 0
}

describe('SQLite store writes', () => {
  let dir: string
  let n = 0
  const path = () => join(dir, `store${++n}.db`)
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cas-writes-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('commits the appends of one tick in one transaction, numbered and resolved in call order', async () => {
    const file = path()
    const store = new SqliteStore(file)
    await store.insertSession(newSessionRecord('a'))
    const commits = await counter('store_commits_total', 'store="sqlite"')
    const resolved: number[] = []
    const appends = Array.from({ length: 7 }, (_, i) => store.append('a', info(`e${i}`)).then((e) => (resolved.push(e.seq), e)))
    const state = store.updateSessionState('a', 'idle')
    const events = await Promise.all(appends)
    await state
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    )
    assert.deepEqual(resolved, [1, 2, 3, 4, 5, 6, 7])
    assert.equal(await counter('store_commits_total', 'store="sqlite"'), commits + 1, 'one transaction for the tick')
    await store.close()
    const reopened = new SqliteStore(file)
    assert.equal((await reopened.read('a', 0, 100)).length, 7, 'durable')
    assert.equal((await reopened.getSession('a'))?.state, 'idle')
    assert.equal(await reopened.lastSeq('a'), 7)
    await reopened.close()
  })

  it('fails a bad write alone: the others of its group are stored', async () => {
    const file = path()
    const store = new SqliteStore(file)
    await store.insertSession(newSessionRecord('taken'))
    const first = store.append('taken', info('before'))
    const again = store.insertSession(newSessionRecord('taken'))
    const second = store.append('taken', info('after'))
    await assert.rejects(again, (err: Error & { code?: string }) => err.code === 'SESSION_EXISTS')
    assert.deepEqual([(await first).seq, (await second).seq], [1, 2])
    await store.close()
    const reopened = new SqliteStore(file)
    assert.deepEqual(
      (await reopened.read('taken', 0, 10)).map((e) => JSON.parse(e.text).message),
      ['before', 'after'],
    )
    await reopened.close()
  })

  it('a read sees every write made before it, awaited or not', async () => {
    const store = new SqliteStore(path())
    void store.insertSession(newSessionRecord('r'))
    void store.append('r', info('one'))
    void store.rememberPrompt('r', 'u1')
    assert.equal((await store.getSession('r'))?.id, 'r')
    assert.equal((await store.read('r', 0, 10)).length, 1)
    assert.equal(await store.hasPrompt('r', 'u1'), true)
    await store.close()
  })

  it('tells its observers of an event before the append resolves', async () => {
    const store = new SqliteStore(path())
    const seen: number[] = []
    const stop = store.observeAppends((event: StoredEvent) => seen.push(event.seq))
    await store.insertSession(newSessionRecord('o'))
    const event = await store.append('o', info('x')).then((e) => (assert.deepEqual(seen, [e.seq]), e))
    stop()
    await store.append('o', info('y'))
    assert.deepEqual(seen, [event.seq])
    await store.close()
  })

  it('refuses writes once closed, without throwing where they were made', async () => {
    const store = new SqliteStore(path())
    await store.close()
    await assert.rejects(store.append('gone', info('late')), /closed/)
    await assert.rejects(store.insertSession(newSessionRecord('gone')), /closed/)
  })
})
