// messages(): a bounded queue between the socket and a `for await` loop.
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServerFrame } from '@claude-agent/protocol'
import { isClaudeAgentClientError } from '../../src/errors.js'
import { Hub } from '../../src/session/hub.js'

const info = (seq: number): ServerFrame => ({ type: 'info', message: `m${seq}`, source: 'server', seq })
const seqOf = (f: ServerFrame) => frameSeq(f)

describe('messages()', () => {
  it('yields frames in order, also those emitted before the loop asks', async () => {
    const hub = new Hub(() => {})
    const stream = hub.stream()
    hub.emitMessage(info(1))
    const next = stream.next()
    hub.emitMessage(info(2))
    hub.emitMessage(info(3))
    assert.equal(seqOf((await next).value as ServerFrame), 1)
    hub.endStreams()
    const rest: ServerFrame[] = []
    for await (const frame of stream) rest.push(frame)
    assert.deepEqual(rest.map(seqOf), [2, 3], 'end() lets the loop finish the buffered frames')
  })

  it('throws MESSAGE_BUFFER_OVERFLOW after the buffered frames when the loop falls behind', async () => {
    const hub = new Hub(() => {})
    const stream = hub.stream({ bufferSize: 2 })
    for (const seq of [1, 2, 3, 4]) hub.emitMessage(info(seq))
    const seen: ServerFrame[] = []
    await assert.rejects(
      (async () => {
        for await (const frame of stream) seen.push(frame)
      })(),
      (e) => isClaudeAgentClientError(e, 'MESSAGE_BUFFER_OVERFLOW'),
    )
    assert.deepEqual(seen.map(seqOf), [1, 2])
  })

  it('break unsubscribes; a bad bufferSize is INVALID_ARGUMENT', async () => {
    const hub = new Hub(() => {})
    const stream = hub.stream()
    hub.emitMessage(info(1))
    for await (const _ of stream) break
    hub.emitMessage(info(2))
    assert.deepEqual(await stream.next(), { value: undefined, done: true })
    assert.throws(
      () => hub.stream({ bufferSize: 0 }),
      (e) => isClaudeAgentClientError(e, 'INVALID_ARGUMENT'),
    )
  })
})
