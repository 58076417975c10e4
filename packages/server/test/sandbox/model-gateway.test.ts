// The model gateway on a real Unix socket: the placeholder the sandbox sends is replaced by
// the real credential, the upstream's path prefix is kept, and nothing is sent anywhere but
// the one upstream.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startModelGateway } from '../../src/sandbox/model-gateway.js'
import type { SocketServer } from '../../src/sandbox/socket-server.js'

interface Seen {
  url: string
  headers: IncomingHttpHeaders
  body: string
}

function send(socketPath: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('model gateway', () => {
  let dir: string
  let upstream: Server
  let gateway: SocketServer
  let bearerGateway: SocketServer
  const seen: Seen[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-gateway-'))
    upstream = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      })
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    const url = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/prefix/`)
    gateway = startModelGateway({ socketPath: join(dir, 'model.sock'), upstream: url, credentials: { apiKey: 'sk-real-key-0123456789' } })
    bearerGateway = startModelGateway({
      socketPath: join(dir, 'bearer.sock'),
      upstream: url,
      credentials: { bearer: 'real-token-0123456789' },
    })
  })
  after(async () => {
    await gateway.close()
    await bearerGateway.close()
    upstream.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('replaces the placeholder x-api-key with the real key and keeps the rest', async () => {
    const res = await send(
      gateway.socketPath,
      '/v1/messages?beta=true',
      { 'x-api-key': 'placeholder', 'anthropic-version': '2023-06-01' },
      '{"a":1}',
    )
    assert.equal(res.status, 200)
    const got = seen.at(-1)!
    assert.equal(got.url, '/prefix/v1/messages?beta=true')
    assert.equal(got.headers['x-api-key'], 'sk-real-key-0123456789')
    assert.equal(got.headers['anthropic-version'], '2023-06-01')
    assert.equal(got.headers['authorization'], undefined, 'no credential the gateway was not given')
    assert.equal(got.body, '{"a":1}')
  })

  it('sends a bearer token as authorization, dropping whatever the client sent', async () => {
    await send(bearerGateway.socketPath, '/v1/messages', { authorization: 'Bearer placeholder', 'x-api-key': 'client-chosen' })
    const got = seen.at(-1)!
    assert.equal(got.headers['authorization'], 'Bearer real-token-0123456789')
    assert.equal(got.headers['x-api-key'], undefined)
  })

  it('refuses an absolute-form request: the key goes to the one upstream only', async () => {
    const before = seen.length
    const res = await send(gateway.socketPath, 'http://attacker.example/steal', { 'x-api-key': 'placeholder' })
    assert.equal(res.status, 400)
    assert.equal(JSON.parse(res.body).type, 'error')
    assert.equal(seen.length, before, 'nothing was forwarded')
  })

  it('keeps a protocol-relative path on the upstream host', async () => {
    const res = await send(gateway.socketPath, '//attacker.example/steal', {})
    assert.equal(res.status, 200)
    assert.equal(seen.at(-1)!.url, '/prefix//attacker.example/steal')
  })

  it('refuses a path that climbs out of the upstream prefix, raw or percent-encoded', async () => {
    const before = seen.length
    for (const path of [
      '/../admin',
      '/v1/../../admin',
      '/%2e%2e/admin',
      '/v1/%2E%2e/%2e./admin',
      '/./v1/messages',
      '/v1/..%2fadmin',
      '/v1/..%5cadmin',
      '/v1/..\\admin',
      '/%zz',
      // A dot segment with `;` parameters: Tomcat resolves /v1/..;/admin to /admin.
      '/v1/..;/admin',
      '/v1/%2e%2e;x=1/admin',
      '/.;/v1/messages',
      // What an upstream may trim or cut at: the batches endpoint behind a name check.
      '/v1/messages/batches%20',
      '/v1/messages/batches%00',
      '/v1/complete%09',
      '/v1/messages/batches%C2%A0',
      '/v1/%E2%80%8Bcomplete',
      '/v1/%00/../admin',
    ]) {
      const res = await send(gateway.socketPath, path, { 'x-api-key': 'placeholder' })
      assert.equal(res.status, 400, `${path}: ${res.body}`)
      assert.equal(JSON.parse(res.body).error.type, 'invalid_request_error', path)
    }
    assert.equal(seen.length, before, 'nothing was forwarded with the key')
    assert.equal((await send(gateway.socketPath, '/v1/messages/count_tokens?x=..', {})).status, 200, 'dots in the query are fine')
    assert.equal(seen.at(-1)!.url, '/prefix/v1/messages/count_tokens?x=..')
  })

  it('refuses the endpoints that spend on the model without an answer it can count (batches, legacy completions)', async () => {
    const before = seen.length
    for (const path of [
      '/v1/messages/batches',
      '/v1/messages/batches?beta=true',
      '/v1/messages/batches/b1/results',
      '/v1/complete',
      '/V1/Complete',
      '/v1//messages/batches',
      // Path parameters: an upstream that drops them (Java servlets, Spring) routes these there.
      '/v1/messages/batches;x',
      '/v1;a=b/messages;/batches',
      '/v1/complete;jsessionid=1',
      '/;/v1/complete',
      // Trailing dots: IIS drops them.
      '/v1/messages/batches.',
      '/v1/complete..',
      '/v1/messages/batches%2e/b1',
    ]) {
      const res = await send(gateway.socketPath, path, { 'x-api-key': 'placeholder' }, '{}')
      assert.equal(res.status, 403, `${path}: ${res.body}`)
      const body = JSON.parse(res.body)
      assert.equal(body.error.type, 'permission_error', path)
      assert.match(body.error.message, /cannot count/, path)
    }
    assert.equal(seen.length, before, 'nothing was forwarded with the key')
  })
})
