// Two clients attached to one named session: they receive the same events in the same order,
// and each prompt() resolves with its own result even when both prompt at once.
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, type ServerFrame } from '../../src/index.js'
import { caughtUp, say, startStack, type Stack } from './helpers/stack.js'

describe('two clients on one session', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  before(async () => {
    stack = await startStack({
      scripts: [say('from alice', 'answer for alice'), say('from bob', 'answer for bob'), say('alice again', 'alice, second')],
    })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('both see every event; each prompt gets its own result', async () => {
    const admin = new ClaudeAgentClient({ connectionUrl: stack.url })
    await admin.sessions.create({ id: 'shared' })
    const events = new Map<string, ServerFrame[]>()
    for (const name of ['alice', 'bob']) {
      // after: 0 so each sees the whole history (the first attach pre-warms the CLI: an event)
      const client = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: 'shared', after: 0 })
      clients.push(client)
      events.set(name, [])
      client.onMessage((frame) => frameSeq(frame) !== undefined && events.get(name)!.push(frame))
      await client.start()
      assert.equal(client.connection?.sessionId, 'shared')
    }
    const [alice, bob] = clients as [ClaudeAgentClient, ClaudeAgentClient]

    const [a, b, a2] = await Promise.all([alice.prompt('from alice'), bob.prompt('from bob'), alice.prompt('alice again')])
    assert.equal(a.result, 'answer for alice')
    assert.equal(b.result, 'answer for bob')
    assert.equal(a2.result, 'alice, second')

    const lastSeq = await caughtUp(alice, admin.sessions, 'shared')
    await caughtUp(bob, admin.sessions, 'shared')
    assert.equal(alice.lastSeq, lastSeq)
    const history = await admin.sessions.history('shared')
    assert.deepEqual(events.get('alice'), history.events, 'alice saw the whole history, once, in order')
    assert.deepEqual(events.get('bob'), history.events, 'bob saw the same')
    assert.equal(history.events.filter((f) => f.type === 'sdk_message' && f.data.type === 'result').length, 3)
  })
})
