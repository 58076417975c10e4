// A client that stops reading is cut off by the server (SLOW_CONSUMER, close 4008, or a
// terminated socket); once it reads again it reconnects by itself and catches up by replay,
// every event once, in order. The stall is real: a TCP forwarder stops reading from the server.
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, type ConnectionState, type ServerFrame } from '../../src/index.js'
import { startForwarder, type Forwarder } from './helpers/forwarder.js'
import { caughtUp, startStack, waitFor, type Stack } from './helpers/stack.js'

describe('slow consumer', () => {
  let stack: Stack
  let forwarder: Forwarder
  const clients: ClaudeAgentClient[] = []
  before(async () => {
    // ~1 MB per turn (the text in the assistant message and again in the result).
    const text = 'x'.repeat(500_000)
    const flood = { match: { prompt: 'flood' }, repeat: true, replies: [{ content: [{ type: 'text' as const, text }] }] }
    stack = await startStack({ scripts: [flood] }, { maxClientBufferBytes: 1024 * 1024, slowClientGraceMs: 1_000 })
    forwarder = await startForwarder(stack.server.port)
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await forwarder.close()
    await stack.close()
  })

  it('is cut off while stalled, then reconnects and catches up', async () => {
    const driver = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: 'flood' })
    const slow = new ClaudeAgentClient({ connectionUrl: forwarder.url, sessionId: 'flood', after: 0, reconnect: { initialDelayMs: 10 } })
    clients.push(driver, slow)
    await driver.sessions.create({ id: 'flood' })
    const frames: ServerFrame[] = []
    const states: ConnectionState[] = []
    slow.onMessage((frame) => frames.push(frame))
    slow.onConnectionChange((change) => states.push(change.state))
    await driver.start()
    await slow.start()

    forwarder.stall(true)
    for (let turn = 0; turn < 40; turn++) {
      await driver.prompt('flood')
      if ((await driver.sessions.get('flood')).clients === 1) break
    }
    assert.equal((await driver.sessions.get('flood')).clients, 1, 'the stalled client was cut off')
    forwarder.stall(false)

    await waitFor(() => states.includes('reconnecting') && slow.isConnected, 'the reconnect')
    await caughtUp(slow, driver.sessions, 'flood')
    // ~1 MB events: the history comes in pages of about 8 MiB.
    const history: ServerFrame[] = []
    for (let page = await driver.sessions.history('flood'); ;) {
      history.push(...page.events)
      if (!page.hasMore) break
      page = await driver.sessions.history('flood', { after: frameSeq(page.events.at(-1)!)! })
    }
    const sequenced = frames.filter((f) => frameSeq(f) !== undefined)
    assert.deepEqual(sequenced, history, 'every event once, in order')
  })
})
