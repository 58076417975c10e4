// TurnTracker: prompts pair with results by uuid, not by order. No socket needed: the link
// records what would be sent and the test plays the server's frames.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServerFrame } from '@claude-agent/protocol'
import { isClaudeAgentClientError } from '../../src/errors.js'
import { TurnTracker, type PromptFrame, type SentMark } from '../../src/session/turns.js'

const prompt = (uuid: string): PromptFrame => ({
  type: 'user_message',
  data: { type: 'user', uuid, message: { role: 'user', content: uuid } },
})
const started = (uuid: string, seq?: number): ServerFrame => ({
  type: 'sdk_message',
  seq,
  data: { type: 'command_lifecycle', command_uuid: uuid, state: 'started', uuid: `lc-${uuid}`, session_id: 's' },
})
const echo = (uuid: string): ServerFrame => ({
  type: 'sdk_message',
  data: { type: 'user', isReplay: true, uuid, session_id: 's', message: { role: 'user', content: uuid } },
})
const result = (text: string, isError = false): ServerFrame => ({
  type: 'sdk_message',
  data: { type: 'result', subtype: isError ? 'error_during_execution' : 'success', is_error: isError, session_id: 's', result: text },
})
const error = (code: string, seq?: number): ServerFrame => ({ type: 'error', error: code, code, seq })

type Sendable = { type: string; data?: { uuid?: string } }

/** `link.mark` says where frames go; undefined plays a disconnected client. */
function tracker(mark: SentMark = { epoch: 1, baseSeq: 0 }) {
  const sent: string[] = []
  const link: { mark: SentMark | undefined; trySend(frame: Sendable): SentMark | undefined } = {
    mark,
    trySend(frame) {
      if (!link.mark) return undefined
      sent.push(frame.type === 'user_message' ? String(frame.data?.uuid) : frame.type)
      return link.mark
    },
  }
  return { turns: new TurnTracker(link), sent, link }
}

describe('TurnTracker', () => {
  it('sends at once and resolves each prompt with the result after its own start, whatever the order', async () => {
    const { turns, sent } = tracker()
    const a = turns.run(prompt('a'))
    const b = turns.run(prompt('b'))
    assert.deepEqual(sent, ['a', 'b'], 'nothing is held back: the server queues')
    turns.observe(started('b'))
    turns.observe(result('B'))
    turns.observe(echo('a')) // the echo alone announces a turn too
    turns.observe(result('A', true))
    assert.equal((await b).result, 'B')
    assert.equal((await a).is_error, true, 'an error result resolves; the caller checks is_error')
  })

  it("ignores other clients' turns and results that follow no start", async () => {
    const { turns } = tracker()
    const a = turns.run(prompt('a'))
    turns.observe(result('replayed, before anything started'))
    turns.observe(started('someone-else'))
    turns.observe(result('theirs'))
    turns.observe(started('a'))
    turns.observe(echo('a')) // the echo after the start changes nothing
    turns.observe(result('mine'))
    assert.equal((await a).result, 'mine')
    assert.equal(turns.size, 0)
  })

  it('a result naming its prompt (user_message_uuid) goes to that prompt', async () => {
    const { turns } = tracker()
    const a = turns.run(prompt('a'))
    turns.observe(started('someone-else'))
    turns.observe({
      type: 'sdk_message',
      data: { type: 'result', subtype: 'success', is_error: false, session_id: 's', result: 'A', user_message_uuid: 'a' },
    })
    assert.equal((await a).result, 'A')
  })

  it('AGENT_EXITED fails the running prompt with AGENT_FAILED; a queued one still gets its result', async () => {
    const { turns } = tracker()
    const a = turns.run(prompt('a'))
    const b = turns.run(prompt('b'))
    turns.observe(started('a'))
    turns.observe(error('NOTHING_TO_INTERRUPT'))
    turns.observe(error('AGENT_EXITED', 5))
    await assert.rejects(a, (e) => isClaudeAgentClientError(e, 'AGENT_FAILED') && e.wireError?.code === 'AGENT_EXITED')
    turns.observe(started('b'))
    turns.observe(result('B'))
    assert.equal((await b).result, 'B')
  })

  it('AGENT_START_FAILED before any start fails the oldest prompt only', async () => {
    const { turns } = tracker()
    const a = turns.run(prompt('a'))
    const b = turns.run(prompt('b'))
    turns.observe(error('AGENT_START_FAILED', 3))
    await assert.rejects(a, (e) => isClaudeAgentClientError(e, 'AGENT_FAILED'))
    assert.equal(turns.size, 1)
    turns.observe(started('b'))
    turns.observe(result('B'))
    assert.equal((await b).result, 'B')
  })

  it('INTERRUPTED_BY_RESTART fails prompts the stopped server had, not those sent after it came back', async () => {
    const { turns, link } = tracker({ epoch: 1, baseSeq: 10 })
    const running = turns.run(prompt('running'))
    const queued = turns.run(prompt('queued'))
    turns.observe(started('running', 11))
    link.mark = { epoch: 2, baseSeq: 20 } // reconnected to the restarted server, which logged seq 15
    const after = turns.run(prompt('after'))
    turns.observe(error('INTERRUPTED_BY_RESTART', 15))
    for (const p of [running, queued]) {
      await assert.rejects(p, (e) => isClaudeAgentClientError(e, 'TURN_INTERRUPTED') && e.wireError?.code === 'INTERRUPTED_BY_RESTART')
    }
    turns.observe(started('after', 21))
    turns.observe(result('fine'))
    assert.equal((await after).result, 'fine')
  })

  it('a prompt made while disconnected is sent by flush()', async () => {
    const { turns, sent, link } = tracker()
    link.mark = undefined
    const a = turns.run(prompt('a'))
    assert.deepEqual(sent, [])
    link.mark = { epoch: 2, baseSeq: 0 }
    turns.flush()
    turns.flush()
    assert.deepEqual(sent, ['a'], 'sent once')
    turns.observe(started('a'))
    turns.observe(result('A'))
    assert.equal((await a).result, 'A')
  })

  it('aborting: the running prompt is interrupted, a server-queued one when it starts, an unsent one is dropped', async () => {
    const { turns, sent, link } = tracker()
    const [ca, cb, cc] = [new AbortController(), new AbortController(), new AbortController()]
    const a = turns.run(prompt('a'), ca.signal)
    const b = turns.run(prompt('b'), cb.signal)
    link.mark = undefined
    const c = turns.run(prompt('c'), cc.signal)
    cc.abort()
    link.mark = { epoch: 1, baseSeq: 0 }
    turns.observe(started('a'))
    ca.abort()
    cb.abort()
    for (const p of [a, b, c]) await assert.rejects(p, { name: 'AbortError' })
    assert.deepEqual(sent, ['a', 'b', 'interrupt'])
    turns.observe(result('A interrupted', true))
    turns.observe(started('b'))
    assert.deepEqual(sent, ['a', 'b', 'interrupt', 'interrupt'], 'a interrupted at abort, b as it started')
    turns.observe(result('B interrupted', true))
    turns.flush()
    assert.deepEqual(sent, ['a', 'b', 'interrupt', 'interrupt'], 'c was never sent')
    assert.equal(turns.size, 0)
  })

  it('failUnstartedBefore fails prompts of earlier connections that never started', async () => {
    const { turns, link } = tracker({ epoch: 1, baseSeq: 0 })
    const lost = turns.run(prompt('lost'))
    const running = turns.run(prompt('running'))
    turns.observe(started('running'))
    link.mark = { epoch: 2, baseSeq: 5 }
    const fresh = turns.run(prompt('fresh'))
    assert.equal(turns.hasUnstartedBefore(2), true)
    turns.failUnstartedBefore(2, new Error('lost'))
    await assert.rejects(lost, /lost/)
    assert.equal(turns.hasUnstartedBefore(2), false)
    turns.observe(result('R'))
    assert.equal((await running).result, 'R')
    turns.failAll(new Error('closed'))
    await assert.rejects(fresh, /closed/)
  })
})
