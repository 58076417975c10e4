// A member owns at most MAX_SESSIONS_PER_PRINCIPAL sessions at once (each can run a Claude Code
// process and its tools): the next create is 403 FORBIDDEN (action session_limit), also when
// creates race each other; deleting one frees a place; other members and admins are not held
// to one member's count, and admins to none.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, startTenancyStack } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'

const MAX = 3

describe('sessions per principal', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack({ settings: { maxSessionsPerPrincipal: MAX, warmPoolSize: 0 } })
  })
  after(() => stack.close())

  it('refuses a member its session past the limit, with the limit and its count', async () => {
    const made = []
    for (let i = 0; i < MAX; i++) made.push(await as(stack, 'ann', 'POST', '/sessions', {}))
    assert.deepEqual(
      made.map((m) => m.status),
      [201, 201, 201],
    )
    const refused = await as(stack, 'ann', 'POST', '/sessions', { id: 'anns-fourth' })
    assert.equal(refused.status, 403, refused.text)
    assert.equal(refused.body['code'], 'FORBIDDEN')
    assert.deepEqual(refused.body['data'], { action: 'session_limit', limit: MAX, owned: MAX })
    assert.equal((await as(stack, 'root', 'GET', '/sessions/anns-fourth')).status, 404, 'nothing was made')
    // Another member and an admin go on.
    assert.equal((await as(stack, 'bob', 'POST', '/sessions', {})).status, 201)
    for (let i = 0; i < MAX + 1; i++) assert.equal((await as(stack, 'root', 'POST', '/sessions', {})).status, 201)
    // Deleting one frees its place.
    const first = made[0]!.body['session'].id as string
    assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${first}`)).status, 200)
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', {})).status, 201)
  })

  it('holds to the limit when creates race each other', async () => {
    // bob owns one already (above): of eight at once, two more are made.
    const raced = await Promise.all(Array.from({ length: 8 }, () => as(stack, 'bob', 'POST', '/sessions', {})))
    const statuses = raced.map((r) => r.status).sort()
    assert.deepEqual(statuses, [201, 201, 403, 403, 403, 403, 403, 403], raced.map((r) => r.text.slice(0, 120)).join('\n'))
    const owned = ((await as(stack, 'root', 'GET', '/sessions')).body['sessions'] as Array<{ owner?: string }>).filter(
      (s) => s.owner === 'bob',
    )
    assert.equal(owned.length, MAX)
  })
})

describe('sessions per principal, counted in PostgreSQL (a cluster node)', () => {
  let postgres: PostgresServer
  let stack: Stack
  before(async () => {
    postgres = await startPostgres()
    const node = clusterNode('quota-node', await postgres.database())
    stack = await startStack({ ...node, settings: { ...node.settings, maxSessionsPerPrincipal: MAX, warmPoolSize: 0 } })
  })
  after(async () => {
    await stack?.close()
    await postgres?.stop()
  })

  it('holds to the limit when creates race each other (the count is a query: each create reserves first)', async () => {
    const raced = await Promise.all(Array.from({ length: 8 }, () => as(stack, 'ann', 'POST', '/sessions', {})))
    const statuses = raced.map((r) => r.status).sort()
    assert.deepEqual(statuses, [201, 201, 201, 403, 403, 403, 403, 403], raced.map((r) => r.text.slice(0, 120)).join('\n'))
  })
})
