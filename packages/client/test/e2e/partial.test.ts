// attach({ partial }) asks the server for partial messages (`?partial=1`): the tokens of an answer
// as they stream, live only and without seq; `partial: false` (and the default) leaves them out.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isStreamEvent, type ServerFrame } from '../../src/index.js'
import { slowly, startStack, waitFor, type Stack } from './helpers/stack.js'

describe('attach({ partial })', () => {
  let stack: Stack
  let client: ClaudeAgentClient
  before(async () => {
    stack = await startStack({ scripts: [slowly('stream it', 'one two three four five six seven', 1)] })
    client = new ClaudeAgentClient({ connectionUrl: stack.url })
  })
  after(async () => {
    await client.stop()
    await stack.close()
  })

  it('delivers stream_event messages to the partial connection only', async () => {
    await client.sessions.create({ id: 'streams' })
    const partial = await client.sessions.attach('streams', { partial: true })
    const plain = await client.sessions.attach('streams', { partial: false })
    const seen = { partial: [] as ServerFrame[], plain: [] as ServerFrame[] }
    partial.onMessage((frame) => seen.partial.push(frame))
    plain.onMessage((frame) => seen.plain.push(frame))
    const result = await partial.prompt('stream it')
    assert.equal(result.is_error, false)
    await waitFor(
      () => seen.plain.some((f) => f.type === 'sdk_message' && f.data.type === 'result'),
      'the plain connection to see the result',
    )
    const streamed = (frames: ServerFrame[]) => frames.filter((f) => f.type === 'sdk_message' && isStreamEvent(f.data))
    assert.ok(streamed(seen.partial).length > 0, 'partial messages on the partial connection')
    assert.deepEqual(streamed(seen.plain), [])
    await partial.close()
    await plain.close()
  })
})
