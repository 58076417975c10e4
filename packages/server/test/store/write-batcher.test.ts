// The queue both stores' write groupers share: a group is what was queued when it was taken,
// each caller's promise settles with its own write's outcome (a failed group fails each of
// its writes), a committed hook runs before its write resolves and cannot fail it, and each
// group counts one commit with its writes by outcome.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { metricsText } from '../../src/metrics/metrics.js'
import { allFailed, WriteBatcher, type CommitHooks } from '../../src/event-log/write-batcher.js'
import { parseScrape, sample } from '../helpers/metrics.js'

const counted = async () => {
  const scraped = parseScrape(await metricsText())
  return {
    commits: sample(scraped, 'claude_agent_store_commits_total', { store: 'postgres' }),
    ok: sample(scraped, 'claude_agent_store_writes_total', { store: 'postgres', outcome: 'ok' }),
    failed: sample(scraped, 'claude_agent_store_writes_total', { store: 'postgres', outcome: 'failed' }),
  }
}

describe('the write batcher', () => {
  it('settles each write of a group with its own outcome, in order, counting one commit', async () => {
    const batch = new WriteBatcher<string, CommitHooks<unknown>>('postgres')
    const before = await counted()
    const told: unknown[] = []
    const writes = [
      batch.add('a', { committed: (value) => told.push(value) }),
      batch.add('b', {}),
      batch.add('c', { committed: (value) => told.push(value) }),
    ]
    const group = batch.take()
    assert.deepEqual(
      group.map((q) => q.work),
      ['a', 'b', 'c'],
    )
    const later = batch.add('d', {})
    assert.equal(batch.pending, true, 'a write queued after the take waits for the next group')
    batch.settle(group, [
      { ok: true, value: 1 },
      { ok: false, err: new Error('b failed') },
      { ok: true, value: 3 },
    ])
    const settled = await Promise.allSettled(writes)
    assert.deepEqual(settled[0], { status: 'fulfilled', value: 1 })
    assert.equal(settled[1]!.status, 'rejected')
    assert.equal((settled[1] as PromiseRejectedResult).reason.message, 'b failed')
    assert.deepEqual(settled[2], { status: 'fulfilled', value: 3 })
    assert.deepEqual(told, [1, 3], 'only the committed writes are told, before they resolve')
    const after = await counted()
    assert.deepEqual([after.commits - before.commits, after.ok - before.ok, after.failed - before.failed], [1, 2, 1])

    const next = batch.take()
    assert.deepEqual(
      next.map((q) => q.work),
      ['d'],
    )
    batch.settle(next, [{ ok: true, value: 'd' }])
    assert.equal(await later, 'd')
    assert.equal(batch.pending, false)
  })

  it('fails every write of a failed group with the one error', async () => {
    const batch = new WriteBatcher<number, CommitHooks<unknown>>('postgres')
    const writes = [1, 2, 3].map((n) => batch.add(n, {}))
    const group = batch.take()
    const err = new Error('disk full')
    batch.settle(group, allFailed(group, err))
    for (const write of writes) await assert.rejects(write, (e) => e === err)
  })

  it('resolves a write whose committed hook throws: it is durable whatever the hook did', async () => {
    const batch = new WriteBatcher<string, CommitHooks<unknown>>('postgres')
    const write = batch.add('x', {
      committed: () => {
        throw new Error('hook failed')
      },
    })
    batch.settle(batch.take(), [{ ok: true, value: 'stored' }])
    assert.equal(await write, 'stored')
  })

  it('rejects what is queued when the writes can never run, counting no commit', async () => {
    const batch = new WriteBatcher<string, CommitHooks<unknown>>('postgres')
    const before = await counted()
    const writes = ['a', 'b'].map((w) => batch.add(w, {}))
    batch.rejectQueued(new Error('the database is closed'))
    for (const write of writes) await assert.rejects(write, /the database is closed/)
    assert.equal(batch.pending, false)
    assert.deepEqual(await counted(), before)
  })
})
