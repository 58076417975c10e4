// The privileged actions beyond a session's own work leave their audit entries too, with the
// principal that took them: setting a session's or a principal's budget, sharing a session and
// taking it back, and posting the default session's config (its key never recorded). A refused
// attempt (a member setting a budget) leaves none.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, startTenancyStack } from './helpers/principals.js'
import type { Stack } from './helpers/stack.js'

type Entry = { id: number; principal: string; action: string; sessionId?: string; detail: Record<string, unknown> }

const KEY = 'sk-ant-posted-key-0123456789abcdef'

describe('audit of admin actions', () => {
  let stack: Stack
  const entries = async (after: number): Promise<Entry[]> => {
    const res = await as(stack, 'root', 'GET', `/audit?after=${after}`)
    assert.equal(res.status, 200, res.text)
    return res.body['entries'] as Entry[]
  }
  const lastId = async () => (await entries(0)).at(-1)?.id ?? 0
  /** The entries `action` added. */
  const added = async (action: () => Promise<{ status: number; text: string }>, status = 200): Promise<Entry[]> => {
    const from = await lastId()
    const res = await action()
    assert.equal(res.status, status, res.text)
    return entries(from)
  }

  before(async () => {
    stack = await startTenancyStack()
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', { id: 'ann-1' })).status, 201)
  })
  after(() => stack.close())

  it("records a session's budget and a principal's budget being set, by whom and to what", async () => {
    const own = await added(() => as(stack, 'root', 'PUT', '/sessions/ann-1/budget', { limitUsd: 2.5 }))
    assert.deepEqual(
      own.map((e) => [e.action, e.principal, e.sessionId, e.detail['scope'], e.detail['limitUsd']]),
      [['budget_set', 'root', 'ann-1', 'session', 2.5]],
    )
    const cleared = await added(() => as(stack, 'root', 'PUT', '/principals/ann/budget', { limitUsd: null }))
    assert.deepEqual(
      cleared.map((e) => [e.action, e.principal, e.sessionId, e.detail['scope'], e.detail['id'], e.detail['limitUsd']]),
      [['budget_set', 'root', undefined, 'principal', 'ann', null]],
    )
    assert.deepEqual(await added(() => as(stack, 'ann', 'PUT', '/sessions/ann-1/budget', { limitUsd: 1e9 }), 403), [])
  })

  it('records sharing a session and taking it back', async () => {
    const shared = await added(() => as(stack, 'ann', 'PUT', '/sessions/ann-1/readers/bob'))
    assert.deepEqual(
      shared.map((e) => [e.action, e.principal, e.sessionId, e.detail['reader']]),
      [['session_share', 'ann', 'ann-1', 'bob']],
    )
    const unshared = await added(() => as(stack, 'root', 'DELETE', '/sessions/ann-1/readers/bob'))
    assert.deepEqual(
      unshared.map((e) => [e.action, e.principal, e.sessionId, e.detail['reader']]),
      [['session_unshare', 'root', 'ann-1', 'bob']],
    )
  })

  it('records a posted config, never its key', async () => {
    const posted = await added(() => as(stack, 'root', 'POST', '/config', { anthropicApiKey: KEY, model: 'claude-sonnet-4-5' }))
    assert.deepEqual(
      posted.map((e) => [e.action, e.principal, e.sessionId]),
      [['config_set', 'root', 'default']],
    )
    assert.deepEqual(posted[0]!.detail['fields'], 'anthropicApiKey,model')
    const all = (await as(stack, 'root', 'GET', '/audit')).text
    assert.equal(all.includes(KEY), false)
  })
})
