// A client inside the sandbox that hangs up on a plain HTTP request through the egress proxy
// (before the answer, or in the middle of its body) ends the proxy's request upstream too:
// the server process keeps no connection open for a client that is gone. And an upstream that
// cuts its answer short cuts the client's: it is never left waiting for the rest. The Host sent
// upstream is the request line's, never another virtual host a Host header names.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AllowList } from '../../src/sandbox/allow-list.js'
import { startEgressProxy } from '../../src/sandbox/egress-proxy.js'
import type { SocketServer } from '../../src/sandbox/socket-server.js'

/** Resolves with `what`, or fails after a bound. */
function within<T>(what: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: never happened`)), 10_000)))
  return Promise.race([what, bound]).finally(() => clearTimeout(timer))
}

describe('egress proxy, a client that hangs up', () => {
  let dir: string
  let upstream: Server
  let proxy: SocketServer
  let port = 0
  /** The requests the upstream got (and never answers). */
  const arrived: IncomingMessage[] = []
  const answers: ServerResponse[] = []
  let onArrival: () => void = () => undefined

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-egress-abort-'))
    upstream = createServer((req, res) => {
      arrived.push(req)
      answers.push(res)
      onArrival()
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    port = (upstream.address() as AddressInfo).port
    proxy = startEgressProxy({ socketPath: join(dir, 'egress.sock'), allow: new AllowList([`127.0.0.1:${port}`]) })
  })
  after(async () => {
    await proxy.close()
    upstream.closeAllConnections()
    upstream.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const [name, request] of [
    ['waiting for the answer', (p: number) => `GET http://127.0.0.1:${p}/slow HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`],
    [
      'in the middle of its body',
      (p: number) => `POST http://127.0.0.1:${p}/up HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Length: 100\r\n\r\n0123456789`,
    ],
  ] as const) {
    it(`ends the upstream request when the client goes ${name}`, async () => {
      const came = new Promise<void>((resolve) => (onArrival = resolve))
      const client = connect(proxy.socketPath, () => client.write(request(port)))
      client.on('error', () => undefined)
      await within(came, 'the request reached the upstream')
      const upstreamSide = arrived.at(-1)!.socket
      const gone = new Promise<void>((resolve) => upstreamSide.once('close', () => resolve()))
      client.destroy()
      await within(gone, "the proxy's upstream connection closed")
      assert.ok(upstreamSide.destroyed)
    })
  }

  it('cuts the client off when the upstream cuts its answer short', async () => {
    const came = new Promise<void>((resolve) => (onArrival = resolve))
    const client = connect(proxy.socketPath, () =>
      client.write(`GET http://127.0.0.1:${port}/cut HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
    )
    client.on('error', () => undefined)
    let got = ''
    client.on('data', (d) => (got += d))
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    await within(came, 'the request reached the upstream')
    const res = answers.at(-1)!
    res.writeHead(200, { 'content-length': '100' })
    res.write('0123456789', () => res.destroy())
    await within(closed, 'the client was cut off')
    assert.match(got, /^HTTP\/1\.1 200/)
    assert.ok(!got.endsWith('\r\n0\r\n\r\n'), 'no end of a chunked body: the answer is not complete')
  })

  it("sends the request's own host upstream, not a Host header that names another", async () => {
    const came = new Promise<void>((resolve) => (onArrival = resolve))
    const client = connect(proxy.socketPath, () =>
      client.write(`GET http://127.0.0.1:${port}/vhost HTTP/1.1\r\nHost: internal.admin.example\r\n\r\n`),
    )
    client.on('error', () => undefined)
    await within(came, 'the request reached the upstream')
    assert.equal(arrived.at(-1)!.headers.host, `127.0.0.1:${port}`)
    answers.at(-1)!.end()
    client.destroy()
  })
})
