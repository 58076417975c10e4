// An allow-list entry without a port allows every port of its host, and the agent writes the
// CONNECT target: a port out of range (0, 70000, a number past 2^53) is a 400 that names the
// target, never a connect() that throws inside the server (it crashed the whole process).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AllowList } from '../../src/sandbox/allow-list.js'
import { startEgressProxy } from '../../src/sandbox/egress-proxy.js'
import type { SocketServer } from '../../src/sandbox/socket-server.js'

/** Sends a CONNECT to the proxy socket; resolves with its answer's head. */
function connectVia(socketPath: string, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = ''
    const socket = connect(socketPath, () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`))
    socket.on('data', (d) => {
      got += d
      if (got.includes('\r\n\r\n')) socket.destroy()
    })
    socket.on('close', () => resolve(got))
    socket.on('error', reject)
  })
}

describe('egress proxy, CONNECT ports', () => {
  let dir: string
  let service: Server
  let proxy: SocketServer
  let port = 0

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-egress-ports-'))
    service = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r))
    port = (service.address() as AddressInfo).port
    proxy = startEgressProxy({ socketPath: join(dir, 'egress.sock'), allow: new AllowList(['127.0.0.1']) })
  })
  after(async () => {
    await proxy.close()
    service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers 400 for a port out of range, and goes on serving', async () => {
    for (const target of ['127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:70000', '127.0.0.1:99999999999999999999', '127.0.0.1:00443x']) {
      const reply = await connectVia(proxy.socketPath, target)
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request/, `${target}: ${reply}`)
    }
    assert.match(await connectVia(proxy.socketPath, `127.0.0.1:${port}`), /^HTTP\/1\.1 200 Connection Established/)
  })
})
