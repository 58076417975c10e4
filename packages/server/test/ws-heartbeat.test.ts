// A peer that is gone without a word (its network dropped: no FIN ever comes) must not stay a
// client for good. The server pings each socket every WS_PING_INTERVAL_MS and terminates one
// that answered nothing for a whole interval; a client that answers stays, however quiet.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { eventually } from './files/helpers.js'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const INTERVAL = 300

/** A WebSocket handshake on a raw socket that then neither reads nor answers: a vanished peer. */
async function vanishingPeer(stack: Stack, path: string): Promise<Socket & { rest: Buffer }> {
  const socket = connect(Number(new URL(stack.url).port), '127.0.0.1')
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve))
  assert.match(first.toString('latin1'), /^HTTP\/1\.1 101 /)
  socket.pause()
  // What came after the handshake in the same chunk: the first frames.
  return Object.assign(socket, { rest: first.subarray(first.indexOf('\r\n\r\n') + 4) })
}

/** Reads the server's frames from a raw socket: counts info frames, answers pings (as any
 * WebSocket client does, once it has read up to them). */
class FrameReader {
  infos = 0
  private buffered = Buffer.alloc(0)
  constructor(private readonly socket: Socket) {}

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk])
    for (;;) {
      const b = this.buffered
      if (b.length < 2) return
      let length = b[1]! & 0x7f
      let at = 2
      if (length === 126) [length, at] = [b.length < 4 ? -1 : b.readUInt16BE(2), 4]
      else if (length === 127) [length, at] = [b.length < 10 ? -1 : Number(b.readBigUInt64BE(2)), 10]
      if (length < 0 || b.length < at + length) return
      const opcode = b[0]! & 0x0f
      const payload = b.subarray(at, at + length)
      if (opcode === 0x9) this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]))
      if (opcode === 0x1 && payload.includes('"type":"info"')) this.infos++
      this.buffered = b.subarray(at + length)
    }
  }
}

/** Whether the server closed `socket`: read what it sent, and see if the end follows. */
function closedByServer(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 1_000)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
    socket.on('data', () => undefined)
    socket.resume()
  })
}

describe('WebSocket heartbeat', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { pingIntervalMs: INTERVAL, prewarm: false } })
    await api(stack.url, 'POST', '/sessions', { id: 'hb' })
  })
  after(() => stack.close())

  it('terminates a session socket whose peer vanished, and keeps one that answers', async () => {
    const answering = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/hb/ws`)
    const gone = await vanishingPeer(stack, '/sessions/hb/ws')
    const clients = async () => (await api(stack.url, 'GET', '/sessions/hb')).body['session'].clients as number
    assert.equal(await clients(), 2)
    await eventually(async () => (await clients()) === 1, 'the vanished peer was let go', 10 * INTERVAL)
    assert.equal(await closedByServer(gone), true)
    // The answering client, silent all along, is still attached several intervals on.
    await new Promise((resolve) => setTimeout(resolve, 5 * INTERVAL))
    assert.equal(await clients(), 1)
    assert.equal(answering.closed, false)
    answering.close()
  })

  it('terminates a file watch whose peer vanished', async () => {
    const gone = await vanishingPeer(stack, '/sessions/hb/files/watch')
    await new Promise((resolve) => setTimeout(resolve, 6 * INTERVAL))
    assert.equal(await closedByServer(gone), true)
  })
})

// Its own server: an interval long enough for the loopback socket buffers (a few MB) to drain
// between a ping and its pong, much shorter than the replay.
const SLOW_INTERVAL = 1_500

describe('WebSocket heartbeat and a slow reader', () => {
  let slowStack: Stack
  before(async () => {
    // A replay may queue up to half of 32 MiB ahead of a ping.
    slowStack = await startStack({ settings: { pingIntervalMs: SLOW_INTERVAL, maxClientBufferBytes: 32 * 1024 * 1024, prewarm: false } })
  })
  after(() => slowStack.close())

  it('keeps a slow peer whose pongs come late, behind the replay it is taking', async () => {
    // ~36 MB of history, read at about 4 MB a second: many intervals of data ahead of any ping.
    await api(slowStack.url, 'POST', '/sessions', { id: 'hb' })
    const session = slowStack.server.sessions.get('hb')
    const text = 'x'.repeat(60_000)
    for (let i = 0; i < 600; i++) await session.record({ type: 'info', message: text, source: 'server' })
    const slow = await vanishingPeer(slowStack, `/sessions/hb/ws?after=${session.lastSeq - 600}`)
    let closed = false
    slow.once('close', () => (closed = true))
    const frames = new FrameReader(slow)
    frames.push(slow.rest)
    const reader = setInterval(() => {
      let chunk: Buffer | null
      let n = 0
      while (n < 64 * 1024 && (chunk = slow.read() as Buffer | null) !== null) {
        n += chunk.length
        frames.push(chunk)
      }
    }, 15)
    await eventually(() => frames.infos >= 600 || closed, 'the replay arrived', 60_000)
    clearInterval(reader)
    assert.equal(
      closed,
      false,
      `terminated after ${frames.infos} of 600 frames, while it was taking them; ${slowStack.logLines.filter((l) => l.includes('cut off')).join(' ')}`,
    )
    // Done, and it answers: it stays.
    await new Promise((resolve) => setTimeout(resolve, 3 * SLOW_INTERVAL))
    assert.equal(closed, false)
    slow.destroy()
  })
})
