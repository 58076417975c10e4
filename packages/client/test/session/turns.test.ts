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

  it('a prompt made while disconnected is sent once connected', async () => {
    const { turns, sent, link } = tracker()
    link.mark = undefined
    const a = turns.run(prompt('a'))
    assert.deepEqual(sent, [])
    link.mark = { epoch: 2, baseSeq: 0 }
    turns.connected(2)
    turns.connected(2)
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
    turns.connected(2)
    assert.deepEqual(sent, ['a', 'b', 'interrupt', 'interrupt'], 'c was never sent')
    assert.equal(turns.size, 0)
  })

  it('after a reconnect, holds prompts until caught up, then resends the unstarted ones first, in order', async () => {
    const { turns, link, sent } = tracker({ epoch: 1, baseSeq: 0 })
    const lost = turns.run(prompt('lost'))
    const running = turns.run(prompt('running'))
    const abandon = new AbortController()
    const gaveUp = turns.run(prompt('gave-up'), abandon.signal)
    abandon.abort()
    await assert.rejects(gaveUp, { name: 'AbortError' })
    turns.observe(started('running'))
    link.mark = undefined // the drop
    const meanwhile = turns.run(prompt('meanwhile'))
    link.mark = { epoch: 2, baseSeq: 5 }
    turns.connected(2)
    const later = turns.run(prompt('later'))
    assert.deepEqual(sent, ['lost', 'running', 'gave-up'], 'nothing goes out before the replay has caught up')
    turns.caughtUp(1) // a stale connection's catch-up changes nothing
    assert.equal(sent.length, 3)
    turns.caughtUp(2)
    assert.deepEqual(sent.slice(3), ['lost', 'meanwhile', 'later'], 'the started and the abandoned one are not resent')
    const duplicate = (uuid: string): ServerFrame => ({ type: 'error', code: 'DUPLICATE_PROMPT', error: 'dup', data: { uuid } })
    assert.equal(turns.isResendAnswer(duplicate('lost')), true, 'the answer to the resend is expected')
    assert.equal(turns.isResendAnswer(duplicate('lost')), false, 'once')
    assert.equal(turns.isResendAnswer(duplicate('meanwhile')), false, 'sent for the first time: not a resend')
    turns.observe(result('R'))
    assert.equal((await running).result, 'R')
    for (const uuid of ['lost', 'meanwhile', 'later']) {
      turns.observe(started(uuid))
      turns.observe(result(uuid.toUpperCase()))
    }
    assert.deepEqual([(await lost).result, (await meanwhile).result, (await later).result], ['LOST', 'MEANWHILE', 'LATER'])
    turns.caughtUp(2)
    assert.equal(sent.length, 6, 'each prompt resent at most once per connection')
  })

  it('without an unstarted prompt, a reconnect sends the held prompts at once; a resend dropped again waits', async () => {
    const { turns, link, sent } = tracker()
    link.mark = undefined
    const held = turns.run(prompt('held'))
    link.mark = { epoch: 2, baseSeq: 0 }
    turns.connected(2)
    assert.deepEqual(sent, ['held'])
    link.mark = undefined
    turns.connected(3)
    turns.caughtUp(3)
    assert.deepEqual(sent, ['held'], 'not connected: nothing sent')
    link.mark = { epoch: 4, baseSeq: 2 }
    turns.connected(4)
    turns.caughtUp(4)
    assert.deepEqual(sent, ['held', 'held'], 'resent on the next connection')
    turns.failAll(new Error('closed'))
    await assert.rejects(held, /closed/)
  })

  it('an error naming a prompt that has not started rejects it with PROMPT_REFUSED; DUPLICATE_PROMPT, SHUTTING_DOWN and LEASE_LOST keep it waiting', async () => {
    const { turns } = tracker()
    const refused = turns.run(prompt('viewer'))
    const queued = turns.run(prompt('queued'))
    const refusal = (code: string, uuid: string): ServerFrame => ({ type: 'error', error: `no: ${code}`, code, data: { uuid } })
    turns.observe(refusal('FORBIDDEN', 'someone-else'))
    turns.observe(refusal('FORBIDDEN', 'viewer'))
    await assert.rejects(refused, (err) => isClaudeAgentClientError(err, 'PROMPT_REFUSED') && err.serverCode === 'FORBIDDEN')
    turns.observe(refusal('DUPLICATE_PROMPT', 'queued'))
    // A server going away: the prompt is sent again once reconnected, and runs there.
    turns.observe(refusal('SHUTTING_DOWN', 'queued'))
    turns.observe(refusal('LEASE_LOST', 'queued'))
    turns.observe(started('queued'))
    turns.observe(result('ran'))
    assert.equal((await queued).result, 'ran')
  })
})
