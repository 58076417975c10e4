// The SQLite store on a full disk (a real tmpfs filled up): each write fails with the
// error, nothing of its group is stored, and once there is room again the log goes on where
// it stood: seqs 1, 2, 3, ... without gaps (docs/protocol.md), none taken by the failed group.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'
import { newSessionRecord } from '../../src/event-log/rows.js'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js'

const info = (message: string) => ({ type: 'info' as const, message, source: 'server' as const })

describe('SQLite store on a full disk', () => {
  let disk: SmallDisk
  before(() => (disk = mountSmallDisk()))
  after(() => disk?.unmount())

  it('fails the writes of a group it cannot commit and numbers the next append right after the last stored one', async () => {
    const file = join(disk.dir, 'sessions.db')
    const store = new SqliteStore(file)
    await store.insertSession(newSessionRecord('a'))
    for (let i = 0; i < 3; i++) await store.append('a', info(`stored ${i}`))

    disk.fill()
    const big = 'x'.repeat(64 * 1024)
    const refused = await Promise.allSettled([1, 2, 3, 4].map((i) => store.append('a', info(`${i} ${big}`))))
    assert.ok(
      refused.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'SQLITE_FULL'),
      'every append of the group fails with the disk full',
    )
    disk.empty()

    assert.equal(await store.lastSeq('a'), 3, 'the failed group took no seq')
    assert.equal((await store.append('a', info('after'))).seq, 4)
    assert.deepEqual(
      (await store.read('a', 0, 100)).map((e) => e.seq),
      [1, 2, 3, 4],
    )
    await store.close()
    const reopened = new SqliteStore(file)
    assert.equal(await reopened.lastSeq('a'), 4)
    await reopened.close()
  })
})
