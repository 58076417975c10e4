// A write the store refuses (here: its database is gone) leaves memory as the store has it:
// a session's readers and its config go back to what is stored, and the caller hears the error.
// Otherwise a reader whose grant was never stored would keep access until the next restart.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { SqliteStore } from '../src/index.js'
import { managerOn } from './helpers/session-manager.js'

describe('a write the store refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-refused-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it("puts a session's readers and config back to what is stored", async () => {
    const store = new SqliteStore(join(dir, 'sessions.db'))
    const manager = await managerOn(store, dir)
    const session = await manager.create({ id: 's', config: { model: 'claude-a' } })
    await manager.setReaders('s', ['ann'])
    assert.deepEqual(session.readers, ['ann'])
    await store.close()

    await assert.rejects(manager.setReaders('s', ['ann', 'bob']))
    assert.deepEqual(session.readers, ['ann'], 'bob was never stored: no access for him')
    await assert.rejects(session.replaceConfig({ model: 'claude-b', anthropicApiKey: 'sk-refused-key' }))
    assert.equal(session.postedConfig.model, 'claude-a')
    assert.equal(session.postedConfig.anthropicApiKey, undefined, 'the refused key is not in effect either')
    await manager.shutdown(0)
  })
})
