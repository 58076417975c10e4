// TurnTracker: prompts pair with results FIFO, one turn in flight at a time. No socket needed:
// `transmit` records what would be sent and the test plays the server's frames.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ClientFrame, ServerFrame, UserMessageFrame } from '@claude-agent/protocol'
import { TurnTracker } from '../src/turns.js'
import { isClaudeAgentClientError } from '../src/errors.js'

const userFrame = (text: string): UserMessageFrame => ({
  type: 'user_message',
  data: { type: 'user', message: { role: 'user', content: text } },
})
const result = (text: string, isError = false): ServerFrame => ({
  type: 'sdk_message',
  data: { type: 'result', subtype: isError ? 'error_during_execution' : 'success', is_error: isError, session_id: 's', result: text },
})
const agentExited: ServerFrame = { type: 'error', error: 'the CLI exited', code: 'AGENT_EXITED' }

function tracker() {
  const sent: ClientFrame[] = []
  const turns = new TurnTracker((frame) => void sent.push(frame))
  const texts = () => sent.map((f) => (f.type === 'user_message' ? String(f.data.message.content) : f.type))
  return { turns, sent, texts }
}

describe('TurnTracker', () => {
  it('sends one prompt at a time and pairs results in order', async () => {
    const { turns, texts } = tracker()
    const a = turns.run(userFrame('a'))
    const b = turns.run(userFrame('b'))
    assert.deepEqual(texts(), ['a'], 'b is held while a runs')
    turns.observe(result('A'))
    assert.deepEqual(texts(), ['a', 'b'])
    turns.observe(result('B', true))
    assert.equal((await a).result, 'A')
    assert.equal((await b).is_error, true, 'an error result resolves; the caller checks is_error')
  })

  it('counts user_messages sent with send() so results still pair', async () => {
    const { turns, texts } = tracker()
    turns.noteSent()
    const a = turns.run(userFrame('a'))
    assert.deepEqual(texts(), [], 'held behind the raw turn')
    turns.observe(result('raw'))
    turns.observe(result('A'))
    assert.equal((await a).result, 'A')
  })

  it('ignores results when no turn is in flight', () => {
    const { turns } = tracker()
    turns.observe(result('replayed'))
  })

  it('AGENT_EXITED fails the turn in flight with AGENT_FAILED, then sends the held prompt', async () => {
    const { turns, texts } = tracker()
    const a = turns.run(userFrame('a'))
    const b = turns.run(userFrame('b'))
    turns.observe({ type: 'error', error: 'nothing running', code: 'NOTHING_TO_INTERRUPT' })
    turns.observe(agentExited)
    await assert.rejects(a, (e) => isClaudeAgentClientError(e, 'AGENT_FAILED') && e.wireError?.code === 'AGENT_EXITED')
    assert.deepEqual(texts(), ['a', 'b'])
    turns.observe(result('B'))
    assert.equal((await b).result, 'B')
  })

  it('aborting a running prompt interrupts it and keeps its slot for its result', async () => {
    const { turns, texts } = tracker()
    const controller = new AbortController()
    const a = turns.run(userFrame('a'), controller.signal)
    const b = turns.run(userFrame('b'))
    controller.abort()
    await assert.rejects(a, { name: 'AbortError' })
    assert.deepEqual(texts(), ['a', 'interrupt'])
    turns.observe(result('interrupted', true)) // a's result: must not go to b
    turns.observe(result('B'))
    assert.equal((await b).result, 'B')
  })

  it('aborting a held prompt drops it without sending anything', async () => {
    const { turns, texts } = tracker()
    const controller = new AbortController()
    const a = turns.run(userFrame('a'))
    const b = turns.run(userFrame('b'), controller.signal)
    controller.abort()
    await assert.rejects(b, { name: 'AbortError' })
    turns.observe(result('A'))
    assert.equal((await a).result, 'A')
    assert.deepEqual(texts(), ['a'])
  })

  it('failAll rejects sent and held prompts', async () => {
    const { turns } = tracker()
    const a = turns.run(userFrame('a'))
    const b = turns.run(userFrame('b'))
    turns.failAll(new Error('closed'))
    await assert.rejects(a, /closed/)
    await assert.rejects(b, /closed/)
  })
})
