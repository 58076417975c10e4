// What the model's answer brings in one tick reaches the CLI in one write: the head, the
// events and the chunked body's end together (the CLI waits for the end; a write each was a
// syscall each and a later end). A chunk of a later tick is not held back by an earlier one.
// A real gateway on a handed-over TCP listener (as the sandbox's launcher hands it), a fake
// upstream (the Anthropic API is not ours) and a raw HTTP client.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type ServerResponse, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startModelGateway, type ModelGateway } from '../../src/sandbox/model-gateway.js'

/** Counts the socket's flushes: Writable calls _write or _writev once per write it makes. */
function countWrites(socket: Socket): () => number {
  let writes = 0
  const target = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>
  for (const name of ['_write', '_writev'] as const) {
    const original = target[name]!.bind(socket)
    target[name] = (...args: unknown[]) => {
      writes++
      return original(...args)
    }
  }
  return () => writes
}

describe('model gateway writes to the CLI', () => {
  let dir: string
  let upstream: Server
  let listener: NetServer
  let gateway: ModelGateway
  /** How the upstream answers the next request. */
  let answer: (res: ServerResponse) => void = (res) => res.end()
  const sockets: Array<() => number> = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-gateway-writes-'))
    upstream = createServer((req, res) => {
      req.resume()
      req.on('end', () => answer(res))
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    const url = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)
    gateway = startModelGateway({ socketPath: join(dir, 'model.sock'), upstream: url, credentials: { apiKey: 'sk-real-key-0123456789' } })
    listener = createNetServer()
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
    gateway.accept(listener)
    listener.on('connection', (socket) => sockets.push(countWrites(socket)))
  })
  after(async () => {
    await gateway.close()
    upstream.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** POSTs on a fresh connection; resolves with the body once it ended, and the writes the
   * gateway made on that connection. */
  const post = (onData?: (text: string) => void) =>
    new Promise<{ body: string; writes: number }>((resolve, reject) => {
      const port = (listener.address() as AddressInfo).port
      const req = request({ host: '127.0.0.1', port, path: '/v1/messages', method: 'POST', agent: false }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => {
          body += d.toString()
          onData?.(body)
        })
        res.on('end', () => resolve({ body, writes: sockets.at(-1)!() }))
      })
      req.on('error', reject)
      req.end('{}')
    })

  it('relays an answer that arrives at once in one write, head and end included', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('event: message_start\ndata: {}\n\n')
      res.write('event: content_block_delta\ndata: {}\n\n')
      res.end('event: message_stop\ndata: {}\n\n')
    }
    const { body, writes } = await post()
    assert.equal(body, 'event: message_start\ndata: {}\n\nevent: content_block_delta\ndata: {}\n\nevent: message_stop\ndata: {}\n\n')
    assert.equal(writes, 1)
  })

  it('does not hold a later chunk back until the answer ends', async () => {
    let finish: (() => void) | undefined
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('first\n')
      finish = () => res.end('second\n')
    }
    let firstArrived: () => void = () => {}
    const first = new Promise<void>((resolve) => (firstArrived = resolve))
    const whole = post((text) => text === 'first\n' && firstArrived())
    // Arrives while the answer is still open: not held until its end.
    await first
    finish!()
    const { body } = await whole
    assert.equal(body, 'first\nsecond\n')
  })
})
