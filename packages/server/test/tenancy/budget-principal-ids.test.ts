// A principal's budget is keyed by its id, so the id must be one a principal can have (1 to
// 256 characters, no control character, no comma: what a token's label and a JWT's subject
// are held to). Anything else is a typed INVALID_REQUEST that stores nothing, rather than a
// budget row no principal can ever meet (a NUL, a newline, a comma, 10 000 characters).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const ODD = ['a%00b', 'ann%0A', 'ann%2Cbob', 'x'.repeat(257), '%7F']

describe('budgets on odd principal ids', () => {
  let stack: Stack
  before(async () => (stack = await startTenancyStack()))
  after(() => stack.close())

  it('refuses a budget for an id no principal can have, and stores nothing', async () => {
    for (const id of ODD) {
      const res = await as(stack, 'root', 'PUT', `/principals/${id}/budget`, { limitUsd: 1 })
      assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], `${id.slice(0, 20)}: ${res.text}`)
    }
    const listed = await as(stack, 'root', 'GET', '/usage')
    assert.deepEqual(listed.body['principals'], [])
  })

  it('refuses to look one up, too', async () => {
    for (const id of ODD) {
      const res = await as(stack, 'root', 'GET', `/usage?principal=${id}`)
      assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], `${id.slice(0, 20)}: ${res.text}`)
    }
  })

  it('takes any id a principal can have, spaces and non-ASCII letters included', async () => {
    const res = await as(stack, 'root', 'PUT', `/principals/${encodeURIComponent('Zoë Smith@example.com')}/budget`, { limitUsd: 3 })
    assert.equal(res.status, 200, res.text)
    const usage = await as(stack, 'root', 'GET', `/usage?principal=${encodeURIComponent('Zoë Smith@example.com')}`)
    assert.deepEqual((usage.body['principals'] as { budget: unknown }[])[0]?.budget, { limitUsd: 3, source: 'own' })
  })
})
