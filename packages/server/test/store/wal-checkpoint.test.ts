// The WAL is checkpointed on a worker thread, never inside a commit (a checkpoint syncs the
// disk: milliseconds in which every session's events would wait). What is committed stays
// readable and survives a reopen; when the worker is gone, commits checkpoint as before.
// Real SQLite files, a real worker thread.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Worker } from 'node:worker_threads'
import { newSessionRecord } from '../../src/event-log/rows.js'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import type { CheckpointResult } from '../../src/event-log/wal-checkpointer.js'

// 4 KB an event: each commit adds at least one page to the WAL.
const info = (i: number) => ({ type: 'info' as const, message: `${i} ${'x'.repeat(4096)}`, source: 'server' as const })

/** One commit each: every append awaited before the next. */
async function appendEach(store: SqliteStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await store.append('s', info(i))
}

describe('WAL checkpoints off the event loop', () => {
  let dir: string
  let n = 0
  const path = () => join(dir, `wal${++n}.db`)
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cas-wal-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('commits past 1000 pages of WAL without checkpointing in them', async () => {
    const file = path()
    const store = new SqliteStore(file, { checkpointEveryCommits: Number.MAX_SAFE_INTEGER })
    await store.insertSession(newSessionRecord('s'))
    const before = statSync(file).size
    await appendEach(store, 1200)
    assert.ok(statSync(`${file}-wal`).size > 1000 * 4096, 'the WAL holds the commits')
    // SQLite's automatic checkpoint would have copied them into the file by now.
    assert.equal(statSync(file).size, before, 'the database file is untouched')
    await store.close()
  })

  it('has the worker checkpoint every so many commits; all of it readable, also after a reopen', async () => {
    const file = path()
    const results: CheckpointResult[] = []
    let checkpointed: () => void = () => {}
    const first = new Promise<void>((resolve) => (checkpointed = resolve))
    const store = new SqliteStore(file, {
      checkpointEveryCommits: 50,
      onCheckpoint: (result) => {
        results.push(result)
        checkpointed()
      },
    })
    await store.insertSession(newSessionRecord('s'))
    const before = statSync(file).size
    await appendEach(store, 120)
    await first
    assert.ok(results[0]!.checkpointed > 0, 'frames copied into the file')
    assert.ok(statSync(file).size > before, 'by the worker')
    assert.equal((await store.read('s', 0, 1000)).length, 120)
    await store.close()
    const again = new SqliteStore(file)
    const events = await again.read('s', 0, 1000)
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: 120 }, (_, i) => i + 1),
    )
    await again.close()
  })

  it('checkpoints in the commits again when the worker is gone', async () => {
    const file = path()
    let checkpointed: () => void = () => {}
    const first = new Promise<void>((resolve) => (checkpointed = resolve))
    const store = new SqliteStore(file, { checkpointEveryCommits: 10, onCheckpoint: () => checkpointed() })
    await store.insertSession(newSessionRecord('s'))
    const db = store['db']
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0)
    await appendEach(store, 10)
    await first
    const worker = store['checkpointer']!['worker'] as Worker
    await worker.terminate()
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000)
    await appendEach(store, 20)
    assert.equal((await store.read('s', 0, 100)).length, 30)
    await store.close()
  })
})
