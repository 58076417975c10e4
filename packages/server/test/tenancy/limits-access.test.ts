// Raising a session's limits above the server's is an admin's call: a member asking for more is
// 403 FORBIDDEN naming the limit, at or under the defaults it may create, an admin may raise them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

describe('session limits and roles', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack()
  })
  after(() => stack.close())

  it('a member cannot raise a limit; at or under the defaults it may; an admin may raise it', async () => {
    const raised = await as(stack, 'ann', 'POST', '/sessions', { config: { limits: { pids: 100_000 } } })
    assert.equal(raised.status, 403, raised.text)
    assert.equal(raised.body['code'], 'FORBIDDEN')
    assert.deepEqual(raised.body['data']['limits'], ['pids'])
    assert.equal((await as(stack, 'ann', 'GET', '/sessions')).body['sessions'].length, 0, 'nothing was created')

    const lower = await as(stack, 'ann', 'POST', '/sessions', { config: { limits: { pids: 64 } } })
    assert.equal(lower.status, 201, lower.text)
    assert.equal(lower.body['session']['usage']['pids'], 64)

    const admin = await as(stack, 'root', 'POST', '/sessions', { config: { limits: { pids: 100_000 } } })
    assert.equal(admin.status, 201, admin.text)
    assert.equal(admin.body['session']['usage']['pids'], 100_000)
  })
})
