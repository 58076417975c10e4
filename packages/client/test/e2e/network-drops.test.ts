// Real network cuts between the client and the server (a TCP forwarder whose connections are
// destroyed): the client reconnects by itself, replays from the last event it delivered, and its
// onMessage sees every session event exactly once, in order, the same as the server's history.
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type ServerFrame } from '../../src/index.js'
import { startForwarder, type Forwarder } from './helpers/forwarder.js'
import { caughtUp, say, startStack, waitFor, type Stack } from './helpers/stack.js'

const STEPS = 5
const TURNS = 3
const step = (i: number) => ({
  content: [
    { type: 'text' as const, text: `step ${i} `.repeat(10) },
    { type: 'tool_use' as const, name: 'Bash', input: { command: `echo step-${i}` } },
  ],
  chunkSize: 8,
  chunkDelayMs: 10,
})

/** The whole history of a session, page by page. */
async function allEvents(client: ClaudeAgentClient, id: string): Promise<ServerFrame[]> {
  const events: ServerFrame[] = []
  for (let page = await client.sessions.history(id); ; page = await client.sessions.history(id, { after: events.length })) {
    events.push(...page.events)
    if (!page.hasMore) return events
  }
}

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
/** How many turns the model was asked to start for script `name` (its first reply). */
const turnsOf = (stack: Stack, name: string) => stack.model.requests.filter((r) => r.script === name && r.replyIndex === 0).length
const sequenced = (frames: ServerFrame[]) => frames.filter((f) => frameSeq(f) !== undefined)
const turnStarted = (f: ServerFrame) => f.type === 'sdk_message' && f.data.type === 'command_lifecycle' && f.data['state'] === 'started'

describe('network drops', () => {
  let stack: Stack
  let forwarder: Forwarder
  const clients: ClaudeAgentClient[] = []
  function client(sessionId: string): { client: ClaudeAgentClient; frames: ServerFrame[]; reconnects: () => number } {
    const c = new ClaudeAgentClient({ connectionUrl: forwarder.url, sessionId, reconnect: { initialDelayMs: 10, maxDelayMs: 100 } })
    clients.push(c)
    const frames: ServerFrame[] = []
    let reconnects = 0
    c.onMessage((frame) => frames.push(frame))
    c.onConnectionChange((change) => change.state === 'reconnecting' && reconnects++)
    return { client: c, frames, reconnects: () => reconnects }
  }

  before(async () => {
    stack = await startStack({
      scripts: [
        {
          match: { prompt: 'churn' },
          repeat: true,
          replies: [...Array.from({ length: STEPS }, (_, i) => step(i)), { content: [{ type: 'text', text: 'all steps done' }] }],
        },
        say('while away', 'sent after the reconnect'),
        { name: 'lost', ...say('never arrives', 'arrived the second time') },
        say('after the loss', 'still working'),
        {
          name: 'blocked',
          match: { prompt: 'wait for approval' },
          replies: [bash('echo a > approved.txt'), { content: [{ type: 'text', text: 'approved' }] }],
        },
        { name: 'queued', ...say('queued behind', 'ran once') },
      ],
    })
    forwarder = await startForwarder(stack.server.port)
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await forwarder.close()
    await stack.close()
  })

  it('delivers every event exactly once, in order, across repeated random cuts mid-turn', async () => {
    const { client: c, frames, reconnects } = client('churn')
    await c.sessions.create({ id: 'churn' })
    await c.start()
    let cuts = 0
    for (let turn = 0; turn < TURNS; turn++) {
      const from = frames.length
      let settled = false
      const result = c.prompt('churn').finally(() => (settled = true))
      // Cut at random moments while the turn runs (once it has started, so the prompt got through).
      await waitFor(() => frames.slice(from).some(turnStarted), 'the turn to start')
      while (!settled) {
        await new Promise((r) => setTimeout(r, 30 + Math.random() * 150))
        if (!settled && c.isConnected) {
          forwarder.cut()
          cuts++
        }
      }
      assert.equal((await result).result, 'all steps done')
    }
    await caughtUp(c, c.sessions, 'churn')
    const history = await allEvents(c, 'churn')
    assert.ok(cuts >= 3 && reconnects() >= 3, `the connection was cut ${cuts} times, ${reconnects()} reconnects`)
    assert.ok(history.length > TURNS * STEPS * 2, `enough events (${history.length})`)
    assert.deepEqual(sequenced(frames), history, 'each event once, in order, as the server logged it')
  })

  it('a prompt made while reconnecting is sent once the connection is back', async () => {
    const { client: c } = client('away')
    await c.sessions.create({ id: 'away' })
    await c.start()
    forwarder.refuse = true
    forwarder.cut()
    await waitFor(() => c.connectionState === 'reconnecting', 'the drop to be noticed')
    const answer = c.prompt('while away')
    assert.throws(
      () => c.send({ type: 'interrupt' }),
      (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'),
    )
    forwarder.refuse = false
    assert.equal((await answer).result, 'sent after the reconnect')
  })

  it('a prompt lost in flight is sent again once the client has caught up, and runs once', async () => {
    const { client: c, frames } = client('lossy')
    await c.sessions.create({ id: 'lossy' })
    await c.start()
    forwarder.hold = true
    const lost = c.prompt('never arrives')
    await waitFor(() => forwarder.heldBytes > 0, 'the prompt to be sent')
    forwarder.cut() // the bytes held back are gone: the server never saw the prompt
    forwarder.hold = false
    assert.equal((await lost).result, 'arrived the second time')
    assert.equal((await c.prompt('after the loss')).result, 'still working')
    assert.equal(turnsOf(stack, 'lost'), 1, 'it ran once')
    assert.ok(!frames.some((f) => f.type === 'error'), 'no error reached the caller')
  })

  it('a prompt the server had queued when the connection dropped is not run twice (DUPLICATE_PROMPT: keep waiting)', async () => {
    const { client: c, frames, reconnects } = client('queued')
    await c.sessions.create({ id: 'queued' }) // a named session asks before tools: the first turn waits for us
    await c.start()
    const first = c.prompt('wait for approval')
    await waitFor(() => frames.some((f) => f.type === 'permission_request'), 'the first turn to ask')
    const second = c.prompt('queued behind')
    // Frames on one socket are handled in order: this refusal proves the server took the prompt.
    c.send({ type: 'permission_response', requestId: 'no-such-request', decision: 'allow' })
    await waitFor(() => frames.some((f) => f.type === 'error' && f.code === 'PERMISSION_NOT_PENDING'), 'the probe answer')
    const before = reconnects()
    forwarder.cut()
    // Counted, not polled: the forwarder takes the next connection at once, so the client may
    // be reconnecting for less than one poll.
    await waitFor(() => reconnects() > before, 'the drop to be noticed')
    await caughtUp(c, c.sessions, 'queued') // the second prompt was sent again on catching up
    c.onPermissionRequest(() => 'allow') // sent after the resend: the server has answered it by then
    assert.equal((await first).result, 'approved')
    assert.equal((await second).result, 'ran once')
    assert.equal(turnsOf(stack, 'queued'), 1, 'the queued prompt ran once')
    assert.ok(!frames.some((f) => f.type === 'error' && f.code === 'DUPLICATE_PROMPT'), "the answer to the resend is the client's own")
  })
})
