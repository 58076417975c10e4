// The frames a client is sent in one tick leave in one socket write (a write per frame was the
// largest part of the server's CPU per turn), still in order and all of them; frames of a
// later tick are not held back by an earlier one.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import WebSocket, { WebSocketServer } from 'ws'
import { Backpressure } from '../src/ws/backpressure.js'

interface Peer {
  outbox: Backpressure
  /** Writes that reached the socket's stream implementation (each one a syscall). */
  writes: () => number
  client: WebSocket
  received: string[]
}

/** Counts the transport's flushes: Writable calls _write or _writev once per write it makes. */
function countWrites(transport: Duplex): () => number {
  let writes = 0
  const target = transport as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>
  for (const name of ['_write', '_writev'] as const) {
    const original = target[name]!.bind(transport)
    target[name] = (...args: unknown[]) => {
      writes++
      return original(...args)
    }
  }
  return () => writes
}

describe('a tick of frames, one write', () => {
  let server: WebSocketServer
  let peer: Peer

  before(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(server, 'listening')
    const accepted = new Promise<{ socket: WebSocket; transport: Duplex }>((resolve) =>
      server.once('connection', (socket, req) => resolve({ socket, transport: req.socket })),
    )
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const received: string[] = []
    client.on('message', (data: Buffer) => received.push(data.toString()))
    const { socket, transport } = await accepted
    await once(client, 'open')
    const outbox = new Backpressure(socket, { limit: 1 << 20, graceMs: 1_000, transport, onCutOff: () => {} })
    peer = { outbox, writes: countWrites(transport), client, received }
  })
  after(async () => {
    peer.client.close()
    await new Promise((resolve) => server.close(resolve))
  })

  const arrived = async (count: number) => {
    while (peer.received.length < count) await once(peer.client, 'message')
  }

  it('sends the frames of one tick in one write, in order', async () => {
    const before = peer.writes()
    const frames = Array.from({ length: 6 }, (_, i) => JSON.stringify({ type: 'sdk_message', seq: i }))
    for (const frame of frames) assert.equal(peer.outbox.send(frame), true)
    await arrived(frames.length)
    assert.equal(peer.writes() - before, 1, 'one write for the tick')
    assert.deepEqual(peer.received, frames)
  })

  it('does not hold a later tick back', async () => {
    const start = peer.received.length
    const before = peer.writes()
    peer.outbox.send('"first"')
    await arrived(start + 1)
    peer.outbox.send('"second"')
    await arrived(start + 2)
    assert.deepEqual(peer.received.slice(start), ['"first"', '"second"'])
    assert.equal(peer.writes() - before, 2)
  })
})
