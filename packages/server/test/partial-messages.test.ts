// Token streaming on request: a client that asks for partial messages receives the SDK's
// stream events live; a client that did not ask receives none; neither gets them in the log.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api, refusedUpgrade } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const isStreamEvent = (f: Frame) => f.type === 'sdk_message' && sdkData(f).type === 'stream_event'

describe('partial messages', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          {
            match: { prompt: 'stream please' },
            repeat: true,
            replies: [{ content: [{ type: 'text', text: 'one two three four five six seven eight' }], chunkSize: 4 }],
          },
        ],
      },
    })
    await api(stack.url, 'POST', '/sessions', { id: 'tokens' })
    await api(stack.url, 'POST', '/sessions', { id: 'streaming', config: { includePartialMessages: true } })
  })
  after(() => stack.close())

  it('sends stream events only to the client that asked, live and unlogged', async () => {
    const base = `${stack.url.replace(/^http/, 'ws')}/sessions/tokens/ws`
    const wants = await WsProbe.connect(`${base}?partial=1`)
    const plain = await WsProbe.connect(base)
    wants.prompt('stream please')
    await wants.result()
    await plain.result()

    const deltas = wants.frames.filter(isStreamEvent).map((f) => sdkData(f)['event'] as { type: string; delta?: { text?: string } })
    const text = deltas.map((e) => (e.type === 'content_block_delta' ? (e.delta?.text ?? '') : '')).join('')
    assert.equal(text, 'one two three four five six seven eight', 'the deltas add up to the answer')
    assert.ok(deltas.filter((e) => e.type === 'content_block_delta').length >= 5, 'several deltas')
    assert.ok(
      wants.frames.filter(isStreamEvent).every((f) => f['seq'] === undefined),
      'stream events carry no seq',
    )
    assert.equal(plain.frames.filter(isStreamEvent).length, 0, 'the other client got none')

    const start = Math.max(wants.frames[0]!['lastSeq'] as number, plain.frames[0]!['lastSeq'] as number)
    const logged = (p: WsProbe) => p.frames.filter((f) => typeof f['seq'] === 'number' && f['seq'] > start).map((f) => f['seq'])
    assert.deepEqual(logged(wants), logged(plain), 'both got the same logged events')
    const history = (await api(stack.url, 'GET', '/sessions/tokens/events')).body['events'] as Array<{ data?: { type: string } }>
    assert.ok(!history.some((e) => e.data?.type === 'stream_event'), 'no stream event in the log')
    wants.close()
    plain.close()
  })

  it('follows the session config by default, and a client can opt out', async () => {
    const base = `${stack.url.replace(/^http/, 'ws')}/sessions/streaming/ws`
    const byDefault = await WsProbe.connect(base)
    const optedOut = await WsProbe.connect(`${base}?partial=0`)
    byDefault.prompt('stream please')
    await byDefault.result()
    await optedOut.result()
    assert.ok(byDefault.frames.some(isStreamEvent))
    assert.equal(optedOut.frames.filter(isStreamEvent).length, 0)
    byDefault.close()
    optedOut.close()
    const bad = await refusedUpgrade(`${base}?partial=maybe`)
    assert.equal(bad.body['code'], 'INVALID_REQUEST')
  })
})
