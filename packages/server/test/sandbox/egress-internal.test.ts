// The egress proxy and names that resolve to the host's own addresses: a destination allowed
// only through a wildcard (`*.wild.test`) reaches no loopback, link-local or private address,
// whether its DNS answers one (a record the agent's side may control, or a rebinding) or it is
// written as one; an entry naming the host itself reaches what it resolves to. A real proxy on
// a real Unix socket and a real service on loopback; the resolver is the one fake (DNS is not ours).
import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
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

/** What the fake DNS answers. */
const RECORDS: Record<string, LookupAddress[]> = {
  'evil.wild.test': [{ address: '127.0.0.1', family: 4 }],
  'both.wild.test': [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
  'metadata.wild.test': [{ address: '169.254.169.254', family: 4 }],
  'svc.test': [{ address: '127.0.0.1', family: 4 }],
}

describe('egress proxy: internal addresses', () => {
  let dir: string
  let service: Server
  let port: number
  let proxy: SocketServer
  const denied: string[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-egress-internal-'))
    service = createServer((_req, res) => res.end('host loopback service'))
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
    port = (service.address() as AddressInfo).port
    proxy = startEgressProxy({
      socketPath: join(dir, 'egress.sock'),
      allow: new AllowList(['*.wild.test', `svc.test:${port}`, '*.0.1']),
      onDenied: (d) => denied.push(`${d.host}:${d.port}`),
      resolve: (hostname, _family, done) => {
        const addresses = RECORDS[hostname]
        if (!addresses) return done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
        done(null, addresses)
      },
    })
  })
  after(async () => {
    await proxy.close()
    service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const connectTo = (target: string) =>
    raw(
      proxy.socketPath,
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\nGET / HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`,
      /host loopback service|\n\n$|networks \(see SANDBOX_ALLOWED_HOSTS\)\.\n$/,
    )

  it('refuses a CONNECT to a wildcard name whose DNS answers loopback, naming why', async () => {
    for (const name of ['evil.wild.test', 'both.wild.test', 'metadata.wild.test']) {
      const reply = await connectTo(`${name}:${port}`)
      assert.match(reply, /^HTTP\/1\.1 403 Forbidden/, `${name}: ${reply}`)
      assert.match(reply, new RegExp(`${DENIED_HEADER}: 1`))
      assert.match(reply, /resolves only to internal addresses/)
      assert.doesNotMatch(reply, /host loopback service/)
      assert.ok(denied.includes(`${name}:${port}`), `${name} was logged as denied`)
    }
  })

  it('refuses a plain request to such a name', async () => {
    const answer = await viaProxy(proxy.socketPath, `http://evil.wild.test:${port}/`)
    assert.equal(answer.status, 403, answer.body)
    assert.equal(answer.headers[DENIED_HEADER], '1')
    assert.doesNotMatch(answer.body, /host loopback service/)
  })

  it('refuses an internal address a wildcard matches as written', async () => {
    const reply = await connectTo(`127.0.0.1:${port}`)
    assert.match(reply, /^HTTP\/1\.1 403 Forbidden/, reply)
    assert.match(reply, /is an internal address/)
  })

  it('reaches a host service through an entry that names it', async () => {
    const reply = await connectTo(`svc.test:${port}`)
    assert.match(reply, /^HTTP\/1\.1 200 Connection Established/, reply)
    assert.match(reply, /host loopback service/)
    const plain = await viaProxy(proxy.socketPath, `http://svc.test:${port}/`)
    assert.equal(plain.status, 200)
    assert.equal(plain.body, 'host loopback service')
  })

  it('still answers 502 for a name that does not resolve', async () => {
    const reply = await raw(proxy.socketPath, `CONNECT nowhere.wild.test:${port} HTTP/1.1\r\nHost: x\r\n\r\n`, /ENOTFOUND.*\n$/)
    assert.match(reply, /^HTTP\/1\.1 502/, reply)
  })
})
