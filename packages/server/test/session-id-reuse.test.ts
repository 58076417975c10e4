// A session made with the id of a deleted one starts empty: none of the deleted session's
// files (its workspace, its CLI's state) reach it, whether the delete is still removing them
// (a create racing the delete: refused until they are gone) or a kill -9 right after the
// delete's commit left them behind (removed when the id is made again). Otherwise whoever
// takes a freed id first, another principal too, reads what its last owner left.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { SqliteStore } from '../src/index.js'
import { ServerError } from '../src/errors.js'
import { managerOn } from './helpers/session-manager.js'

const workspaceOf = (dir: string, id: string) => join(dir, 'data', 'workspaces', 'sessions', id)

describe('a session id used again after a delete', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-id-reuse-'))
  /** Run at the end, failed or not: a manager left open would hold the test process. */
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  })
  const open = async (path: string, data: string) => {
    const store = new SqliteStore(path)
    const manager = await managerOn(store, data)
    cleanups.push(
      () => store.close(),
      () => manager.shutdown(0),
    )
    return { store, manager }
  }

  it('is refused while the delete removes its files, then made empty', async () => {
    const { manager } = await open(join(dir, 'a.db'), join(dir, 'a'))
    const first = await manager.create({ id: 'reused' }, 'alice')
    writeFileSync(join(workspaceOf(join(dir, 'a'), 'reused'), 'secret.txt'), "alice's")
    mkdirSync(join(first.stateDir, '.claude'), { recursive: true })
    writeFileSync(join(first.stateDir, '.claude', 'transcript.jsonl'), "alice's conversation")

    const deleting = manager.delete('reused')
    await assert.rejects(
      manager.create({ id: 'reused' }, 'bob'),
      (err: unknown) => err instanceof ServerError && err.code === 'SESSION_EXISTS',
      'the id is not free while the deleted session is still being removed',
    )
    await deleting
    const again = await manager.create({ id: 'reused' }, 'bob')
    assert.deepEqual(readdirSync(workspaceOf(join(dir, 'a'), 'reused')), [])
    assert.equal(existsSync(join(again.stateDir, '.claude', 'transcript.jsonl')), false)
  })

  it('removes what a kill -9 right after the delete left behind, before it makes the id again', async () => {
    const path = join(dir, 'b.db')
    const data = join(dir, 'b')
    const { store, manager } = await open(path, data)
    const first = await manager.create({ id: 'left' }, 'alice')
    writeFileSync(join(workspaceOf(data, 'left'), 'secret.txt'), "alice's")
    mkdirSync(join(first.stateDir, '.claude'), { recursive: true })
    writeFileSync(join(first.stateDir, '.claude', 'transcript.jsonl'), "alice's conversation")
    await manager.shutdown(0)
    // What the killed server had done: the delete committed, no file removed yet.
    await store.deleteSession('left')
    await store.close()

    const { manager: next } = await open(path, data)
    const again = await next.create({ id: 'left' }, 'bob')
    assert.deepEqual(readdirSync(workspaceOf(data, 'left')), [], "none of alice's files")
    assert.equal(existsSync(join(again.stateDir, '.claude', 'transcript.jsonl')), false, "nor her CLI's transcript")
  })
})
