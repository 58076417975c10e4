// client.sessions' spending methods against the real server and CLI: a turn's usage read back,
// a session budget and a principal budget set and read, wire errors passed on.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError } from '../../src/index.js'
import { say, startStack, type Stack } from './helpers/stack.js'

describe('client.sessions usage and budgets', () => {
  let stack: Stack
  let client: ClaudeAgentClient
  before(async () => {
    stack = await startStack({ scripts: [say('count me', 'counted')] })
    client = new ClaudeAgentClient({ connectionUrl: stack.url })
  })
  after(async () => {
    await client.stop()
    await stack.close()
  })

  it("reads a session's usage after a turn and sets its budget", async () => {
    await client.sessions.create({ id: 'metered' })
    const session = await client.sessions.attach('metered')
    assert.equal((await session.prompt('count me')).result, 'counted')
    const usage = await client.sessions.usage('metered')
    assert.equal(usage.session, 'metered')
    assert.equal(usage.principal, 'local', 'no tokens: every client is the admin principal local')
    assert.ok(usage.usage.requests >= 1 && usage.usage.inputTokens > 0 && usage.usage.costUsd > 0, JSON.stringify(usage))
    assert.deepEqual(usage.budget, { limitUsd: null, source: 'none' })
    assert.deepEqual(await client.sessions.setBudget('metered', 1.5), { limitUsd: 1.5, source: 'own' })
    assert.deepEqual((await client.sessions.usage('metered')).budget, { limitUsd: 1.5, source: 'own' })
    await session.close()
  })

  it("sets and reads a principal's budget", async () => {
    assert.deepEqual(await client.sessions.setPrincipalBudget('bob', 3), { limitUsd: 3, source: 'own' })
    const [bob] = await client.sessions.principalUsage('bob')
    assert.deepEqual(bob?.budget, { limitUsd: 3, source: 'own' })
    assert.ok((await client.sessions.principalUsage()).some((p) => p.principal === 'bob'))
  })

  it('passes on the wire errors', async () => {
    await assert.rejects(
      client.sessions.usage('nope'),
      (e) => isClaudeAgentClientError(e, 'REQUEST_FAILED') && e.wireError?.code === 'SESSION_NOT_FOUND',
    )
    await assert.rejects(
      client.sessions.setBudget('metered', -1),
      (e) => isClaudeAgentClientError(e, 'REQUEST_FAILED') && e.wireError?.code === 'INVALID_REQUEST',
    )
  })
})
