// A member owns at most MAX_SESSIONS_PER_PRINCIPAL shared workspaces. A shared workspace stays,
// with its files, after its last session is deleted, so without a count a member could create
// a session naming a new one, fill it to its workspace limit, delete the session and go on:
// disk without end, past the session count. Naming a new one past the count is 403 FORBIDDEN
// (action shared_workspace_limit), also when creates race each other; one it owns already
// goes on, and admins are not counted.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const MAX = 2

const withShared = (name: string) => ({ config: { workspace: { shared: name } } })

describe('shared workspaces per principal', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack({ settings: { maxSessionsPerPrincipal: MAX, warmPoolSize: 0 } })
  })
  after(() => stack.close())

  it('refuses a member a new shared workspace past the limit, even after their sessions are deleted', async () => {
    for (const name of ['ann-w1', 'ann-w2']) {
      const made = await as(stack, 'ann', 'POST', '/sessions', withShared(name))
      assert.equal(made.status, 201, made.text)
      assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${made.body['session'].id}`)).status, 200)
    }
    const refused = await as(stack, 'ann', 'POST', '/sessions', withShared('ann-w3'))
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.body['code'], 'FORBIDDEN')
    assert.deepEqual(refused.body['data'], { action: 'shared_workspace_limit', limit: MAX, owned: MAX })
    // Its own go on, and so do sessions of its own directory; an admin names any number.
    const again = await as(stack, 'ann', 'POST', '/sessions', withShared('ann-w1'))
    assert.equal(again.status, 201, again.text)
    assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${again.body['session'].id}`)).status, 200)
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', {})).status, 201)
    for (const name of ['root-w1', 'root-w2', 'root-w3'])
      assert.equal((await as(stack, 'root', 'POST', '/sessions', withShared(name))).status, 201)
  })

  it('holds to the limit when creates naming new workspaces race each other', async () => {
    // bob owns one workspace and no session: the session count would let two more through.
    const first = await as(stack, 'bob', 'POST', '/sessions', withShared('bob-w0'))
    assert.equal((await as(stack, 'bob', 'DELETE', `/sessions/${first.body['session'].id}`)).status, 200)
    const raced = await Promise.all(Array.from({ length: 6 }, (_, i) => as(stack, 'bob', 'POST', '/sessions', withShared(`bob-w${i + 1}`))))
    const texts = raced.map((r) => r.text.slice(0, 120)).join('\n')
    assert.equal(raced.filter((r) => r.status === 201).length, 1, texts)
    assert.ok(
      raced.filter((r) => r.status !== 201).some((r) => r.body['data']?.action === 'shared_workspace_limit'),
      texts,
    )
  })
})
