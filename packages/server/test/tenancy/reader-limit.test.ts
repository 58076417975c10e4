// A session has at most MAX_READERS_PER_SESSION readers: one more is 403 FORBIDDEN (action
// reader_limit) and nothing is stored. Without a bound a member rewrote an ever longer list on
// each PUT (4,000 readers of 250 characters: 2 GB of SQLite WAL written, every access check
// and list a scan of them).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_READERS_PER_SESSION } from '../../src/routes/readers.js'
import { as, annsSession, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

describe('readers per session', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack()
  })
  after(() => stack.close())

  it('refuses a reader past the limit, to the owner and to admins; an existing reader and a freed place go on', async () => {
    const id = await annsSession(stack)
    const start = ((await as(stack, 'ann', 'GET', `/sessions/${id}`)).body['session'].readers as string[]).length
    for (let i = start; i < MAX_READERS_PER_SESSION; i++) {
      assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/reader-${i}`)).status, 200)
    }
    const refused = await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/one-more`)
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.body['code'], 'FORBIDDEN')
    assert.deepEqual(refused.body['data'], { action: 'reader_limit', limit: MAX_READERS_PER_SESSION })
    assert.equal((await as(stack, 'root', 'PUT', `/sessions/${id}/readers/one-more`)).status, 403, 'admins too')
    const readers = (await as(stack, 'ann', 'GET', `/sessions/${id}`)).body['session'].readers as string[]
    assert.equal(readers.length, MAX_READERS_PER_SESSION)
    assert.ok(!readers.includes('one-more'), 'nothing stored')

    // Sharing again with a reader it has changes nothing and is no error.
    assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/${readers[0]}`)).status, 200)
    assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${id}/readers/${readers[0]}`)).status, 200)
    assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/one-more`)).status, 200)
  })
})
