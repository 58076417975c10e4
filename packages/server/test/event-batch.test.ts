// The event hub's batches: what one batch emits is committed in one transaction and only then
// delivered (a second connection to the database file already reads it when a subscriber
// receives it); a batch that throws delivers nothing and leaves no seq taken.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../src/event-log/sqlite-store.js'
import { createLogger } from '../src/logger.js'
import { EventHub } from '../src/sessions/event-hub.js'
import type { StoredEvent } from '../src/event-log/event-log.js'

describe('event batches', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-batch-'))
  const file = join(dir, 'sessions.db')
  const store = new SqliteStore(file)
  const reader = new Database(file, { readonly: true })
  const committed = (seq: number) =>
    reader.prepare('SELECT COUNT(*) AS n FROM events WHERE session_id = ? AND seq = ?').get('s1', seq) as { n: number }
  store.insertSession({ id: 's1', conversationId: 'c1', createdAt: new Date().toISOString(), config: {}, state: 'idle', allowedTools: [] })
  const hub = new EventHub(
    's1',
    store,
    createLogger({ level: 'silent' }),
    () => [],
    () => undefined,
  )
  const delivered: Array<{ seq: number; durable: boolean }> = []
  hub.subscribe({ deliver: (e: StoredEvent) => delivered.push({ seq: e.seq, durable: committed(e.seq).n === 1 }) })

  after(() => {
    reader.close()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('delivers a batch after it commits, in order, each event durable', () => {
    let inside = -1
    hub.batch(() => {
      hub.emit({ type: 'info', message: 'one', source: 'server' })
      hub.emit({ type: 'session_state', state: 'running' })
      store.updateSessionState('s1', 'running')
      inside = delivered.length
    })
    assert.equal(inside, 0, 'nothing delivered before the commit')
    assert.deepEqual(delivered, [
      { seq: 1, durable: true },
      { seq: 2, durable: true },
    ])
    assert.equal(store.getSession('s1')?.state, 'running')
  })

  it('delivers nothing of a batch that throws, rolls back its updates and keeps seqs without gaps', () => {
    delivered.length = 0
    assert.throws(() =>
      hub.batch(() => {
        hub.emit({ type: 'info', message: 'lost', source: 'server' })
        store.updateSessionState('s1', 'failed')
        throw new Error('boom')
      }),
    )
    assert.deepEqual(delivered, [])
    assert.equal(store.lastSeq('s1'), 2)
    assert.equal(committed(3).n, 0)
    assert.equal(store.getSession('s1')?.state, 'running')
    hub.emit({ type: 'info', message: 'next', source: 'server' })
    assert.deepEqual(delivered, [{ seq: 3, durable: true }])
  })

  it('joins a nested batch to the outer one', () => {
    delivered.length = 0
    hub.batch(() => {
      hub.emit({ type: 'info', message: 'outer', source: 'server' })
      hub.batch(() => hub.emit({ type: 'info', message: 'inner', source: 'server' }))
      assert.equal(delivered.length, 0)
    })
    assert.deepEqual(
      delivered.map((d) => d.seq),
      [4, 5],
    )
  })
})
