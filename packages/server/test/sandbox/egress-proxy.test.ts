// The egress proxy on a real Unix socket: CONNECT and plain HTTP to an allowed destination
// pass, anything else gets 403 with the sandbox's reason; and the allow-list grammar.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AllowList } from '../../src/sandbox/allow-list.js'
import { DENIED_HEADER, startEgressProxy } from '../../src/sandbox/egress-proxy.js'
import type { SocketServer } from '../../src/sandbox/socket-server.js'
import { raw, viaProxy } from '../helpers/proxy-client.js'

describe('egress proxy', () => {
  let dir: string
  let allowed: Server
  let forbidden: Server
  let proxy: SocketServer
  let allowedPort: number
  let forbiddenPort: number
  const denied: string[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-egress-'))
    const serve = async (text: string) => {
      const server = createServer((_req, res) => res.end(text))
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      return server
    }
    allowed = await serve('allowed destination')
    forbidden = await serve('forbidden destination')
    allowedPort = (allowed.address() as AddressInfo).port
    forbiddenPort = (forbidden.address() as AddressInfo).port
    proxy = startEgressProxy({
      socketPath: join(dir, 'egress.sock'),
      allow: new AllowList([`127.0.0.1:${allowedPort}`]),
      onDenied: (d) => denied.push(`${d.host}:${d.port}`),
    })
  })
  after(async () => {
    await proxy.close()
    allowed.close()
    forbidden.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('tunnels a CONNECT to an allowed destination', async () => {
    const target = `127.0.0.1:${allowedPort}`
    const reply = await raw(
      proxy.socketPath,
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\nGET / HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`,
      /allowed destination/,
    )
    assert.match(reply, /^HTTP\/1\.1 200 Connection Established/)
    assert.match(reply, /allowed destination/)
  })

  it('refuses a CONNECT anywhere else with 403 and the reason', async () => {
    const target = `127.0.0.1:${forbiddenPort}`
    const reply = await raw(proxy.socketPath, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`, /allowed: .*\n$/)
    assert.match(reply, /^HTTP\/1\.1 403 Forbidden/)
    assert.match(reply, new RegExp(`${DENIED_HEADER}: 1`))
    assert.match(reply, new RegExp(`${target} is not an allowed destination`))
    assert.ok(denied.includes(target))
  })

  it('forwards plain HTTP to an allowed destination and refuses the rest', async () => {
    const ok = await viaProxy(proxy.socketPath, `http://127.0.0.1:${allowedPort}/x`)
    assert.equal(ok.status, 200)
    assert.equal(ok.body, 'allowed destination')
    const no = await viaProxy(proxy.socketPath, `http://127.0.0.1:${forbiddenPort}/x`)
    assert.equal(no.status, 403)
    assert.equal(no.headers[DENIED_HEADER], '1')
    assert.doesNotMatch(no.body, /forbidden destination/)
  })

  it('answers a request that is not for a proxy with 400', async () => {
    const reply = await raw(proxy.socketPath, 'GET /v1/messages HTTP/1.1\r\nHost: x\r\n\r\n', /\r\n\r\n.+/s)
    assert.match(reply, /^HTTP\/1\.1 400/)
  })
})

describe('AllowList', () => {
  it('matches host, host:port, wildcard subdomains and IPv6', () => {
    const list = new AllowList(['api.anthropic.com:443', 'example.org', '*.pkg.dev', '[::1]:8080'])
    assert.equal(list.allows({ host: 'api.anthropic.com', port: 443 }), true)
    assert.equal(list.allows({ host: 'API.Anthropic.com.', port: 443 }), true)
    assert.equal(list.allows({ host: 'api.anthropic.com', port: 80 }), false)
    assert.equal(list.allows({ host: 'example.org', port: 22 }), true, 'no port: any port')
    assert.equal(list.allows({ host: 'sub.example.org', port: 443 }), false)
    assert.equal(list.allows({ host: 'a.b.pkg.dev', port: 443 }), true)
    assert.equal(list.allows({ host: 'pkg.dev', port: 443 }), false, 'a wildcard is not the apex')
    assert.equal(list.allows({ host: '::1', port: 8080 }), true)
    assert.equal(list.allows({ host: '127.0.0.1', port: 8080 }), false)
  })

  it('lists the loopback entries with a port, which the sandbox mirrors into its own loopback', () => {
    const list = new AllowList(['127.0.0.1:8080', 'localhost:9000', '[::1]:7000', '127.0.0.1', 'example.org:80', '*.local:80'])
    assert.deepEqual(list.loopbackEntries(), [
      { host: '127.0.0.1', port: 8080 },
      { host: 'localhost', port: 9000 },
      { host: '::1', port: 7000 },
    ])
  })

  it('derives the entry of a URL with its default port', () => {
    assert.equal(AllowList.entryFor(new URL('https://api.anthropic.com')), 'api.anthropic.com:443')
    assert.equal(AllowList.entryFor(new URL('http://127.0.0.1:4000/prefix')), '127.0.0.1:4000')
  })

  it('rejects malformed entries with SANDBOX_INVALID_SETTING', () => {
    for (const bad of ['', 'http://x.com', 'a b', 'host:99999', '*']) {
      assert.throws(() => new AllowList([bad]), { code: 'SANDBOX_INVALID_SETTING' }, bad)
    }
  })
})
