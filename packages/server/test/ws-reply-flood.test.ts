// A client that floods a socket with bad frames and never reads the answers: each answer
// (an error frame) is larger than the frame it answers, so without a bound the server buffers
// many times what the client sends (7 bytes in, ~60 out). The answers count against the same
// bound as events: the client is cut off as a slow consumer and the server serves on.
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { eventually } from './files/helpers.js'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const LIMIT = 256 * 1024

describe('a client that floods bad frames and never reads', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { maxClientBufferBytes: LIMIT, slowClientGraceMs: 1_000, prewarm: false } })
    await api(stack.url, 'POST', '/sessions', { id: 'flood' })
  })
  after(() => stack.close())

  it('is cut off as a slow consumer, while another client is served', async () => {
    const url = `${stack.url.replace(/^http/, 'ws')}/sessions/flood/ws`
    const healthy = await WsProbe.connect(url)
    const flooder = new WebSocket(url)
    await new Promise((resolve) => flooder.once('open', resolve))
    flooder.on('error', () => undefined)
    ;(flooder as unknown as { _socket: Socket })._socket.pause()

    // ~20 MB of answers: past the loopback socket's buffers and then far past 4x the limit.
    let sent = 0
    const clients = async () => (await api(stack.url, 'GET', '/sessions/flood')).body['session'].clients as number
    while ((await clients()) === 2 && sent < 400_000) {
      for (let i = 0; i < 20_000; i++) flooder.send('x')
      sent += 20_000
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await eventually(async () => (await clients()) === 1, 'the flooding client was cut off', 10_000)
    assert.ok(
      stack.logLines.some((l) => l.includes('client cut off')),
      'the server logged the cut-off',
    )

    // The other client is answered as before.
    const from = healthy.frames.length
    healthy.send('{')
    assert.equal((await healthy.next((f) => f.type === 'error', { from })).code, 'BAD_JSON')
    healthy.close()
    flooder.terminate()
  })
})
