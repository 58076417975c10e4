// A client that stops reading is cut off with SLOW_CONSUMER once its unsent backlog passes the
// limit, while other clients keep streaming; it catches up by replay when it reconnects.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const LIMIT = 1024 * 1024

describe('slow consumers', () => {
  let stack: Stack
  before(async () => {
    // Each turn carries ~1 MB (the text in the assistant message and again in the result), so
    // some turns overflow the loopback socket buffers, then the server's limit.
    stack = await startStack({
      scenario: {
        scripts: [{ match: { prompt: 'flood' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'x'.repeat(500_000) }] }] }],
      },
      settings: { maxClientBufferBytes: LIMIT, slowClientGraceMs: 1_000 },
    })
    await api(stack.url, 'POST', '/sessions', { id: 'flood' })
  })
  after(() => stack.close())

  it('cuts off a stalled client, keeps the others streaming, and lets it catch up', async () => {
    const url = `${stack.url.replace(/^http/, 'ws')}/sessions/flood/ws`
    const healthy = await WsProbe.connect(url)
    // The stalled client: its socket stops reading right after the handshake.
    const stalled = new WebSocket(url)
    await new Promise((resolve) => stalled.once('open', resolve))
    const raw = (stalled as unknown as { _socket: import('node:net').Socket })._socket
    raw.pause()

    for (let turn = 0; turn < 40; turn++) {
      const from = healthy.frames.length
      healthy.prompt('flood')
      await healthy.result(from)
      if ((await api(stack.url, 'GET', '/sessions/flood')).body['session'].clients === 1) break
    }
    const info = (await api(stack.url, 'GET', '/sessions/flood')).body['session']
    assert.equal(info.clients, 1, 'the stalled client was detached; the healthy one stays')
    assert.ok(
      stack.logLines.some((l) => l.includes('client cut off')),
      'the server logged the cut-off',
    )

    // Once it reads again, it learns why it was cut off ...
    const closed = new Promise<number>((resolve) => stalled.once('close', (code) => resolve(code)))
    raw.resume()
    assert.ok([4008, 1006].includes(await closed), 'closed as SLOW_CONSUMER (or terminated)')

    // ... and a reconnect from 0 replays the whole history, identical to what the healthy client saw.
    const lastSeq = info.lastSeq as number
    const replayed = await WsProbe.connect(`${url}?after=0`)
    await replayed.next((f) => f['seq'] === lastSeq)
    const seqs = (p: WsProbe) => p.frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq'])
    assert.deepEqual(
      seqs(replayed),
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    )
    const healthyFrames = healthy.frames.filter((f) => typeof f['seq'] === 'number')
    const replayedTail = replayed.frames.filter((f) => typeof f['seq'] === 'number').slice(-healthyFrames.length)
    assert.deepEqual(replayedTail, healthyFrames)
    healthy.close()
    replayed.close()
  })
})
