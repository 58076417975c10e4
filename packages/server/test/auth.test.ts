// Bearer tokens on every HTTP request and WebSocket upgrade: missing, wrong and right, by
// header, by browser subprotocol and by query; never logged; the label reaches the audit trail.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { refusedUpgrade } from './helpers/http.js'
import { spawnServer } from './helpers/server-process.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const TOKEN = 'tok-alice-0123456789abcdef'

describe('bearer tokens', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          {
            match: { prompt: 'touch' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'touch t.txt' } }] },
              { content: [{ type: 'text', text: 'ok' }] },
            ],
          },
        ],
      },
      settings: { authTokens: [{ label: 'alice', token: TOKEN }] },
    })
  })
  after(() => stack.close())

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.url}${path}`, { headers })

  it('refuses HTTP without a token or with a wrong one, on every route', async () => {
    for (const path of ['/health', '/config', '/sessions', '/nope']) {
      const missing = await get(path)
      assert.equal(missing.status, 401, path)
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer')
      assert.equal(((await missing.json()) as { code: string }).code, 'UNAUTHORIZED')
      const wrong = await get(path, { authorization: 'Bearer tok-alice-0123456789abcdeX' })
      assert.equal(wrong.status, 401, path)
    }
    const right = await get('/health', { authorization: `Bearer ${TOKEN}` })
    assert.equal(right.status, 200)
    assert.equal((await get(`/health?access_token=${TOKEN}`)).status, 200)
    // The scheme's name is case-insensitive (RFC 9110 11.1), and more than one space may follow it.
    for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`]) {
      assert.equal((await get('/health', { authorization: header })).status, 200, header)
    }
    assert.equal((await get('/health', { authorization: `Basic ${TOKEN}` })).status, 401, 'another scheme is no bearer token')
  })

  it('refuses WebSocket upgrades without a valid token', async () => {
    assert.equal((await refusedUpgrade(stack.wsUrl)).status, 401)
    const wrong = await refusedUpgrade(`${stack.wsUrl}?access_token=nope`)
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body['code'], 'UNAUTHORIZED')
  })

  it('accepts the token as a header, a browser subprotocol, or a query parameter', async () => {
    const byHeader = new WebSocket(stack.wsUrl, { headers: { authorization: `Bearer ${TOKEN}` } })
    await new Promise((resolve, reject) => byHeader.once('open', resolve).once('error', reject))
    byHeader.close()
    const bySubprotocol = new WebSocket(stack.wsUrl, ['bearer', TOKEN])
    await new Promise((resolve, reject) => bySubprotocol.once('open', resolve).once('error', reject))
    assert.equal(bySubprotocol.protocol, 'bearer', 'the token is not echoed back')
    bySubprotocol.close()
    const byQuery = await WsProbe.connect(`${stack.wsUrl}?access_token=${TOKEN}`)
    byQuery.close()
  })

  it('records the token label as who decided, and never logs the token', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
    await fetch(`${stack.url}/sessions`, { method: 'POST', headers, body: JSON.stringify({ id: 'audited' }) })
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/audited/ws?access_token=${TOKEN}&label=mallory`)
    probe.prompt('touch')
    const request = await probe.next((f) => f.type === 'permission_request')
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
    const resolved = await probe.next((f) => f.type === 'permission_resolved')
    assert.equal((resolved['by'] as { label: string }).label, 'alice', 'the token label wins over ?label=')
    await probe.result()
    probe.close()
    assert.ok(stack.logLines.length > 0)
    assert.ok(!stack.logLines.join('\n').includes(TOKEN), 'the token is not in the log')
  })
})

describe('a server listening beyond loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-auth-'))
  after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }))

  it('generates a token, prints how to use it, and requires it', async () => {
    const server = await spawnServer({ HOME: dir, DATA_DIR: join(dir, 'data'), HOST: '0.0.0.0' }, dir)
    try {
      for (let i = 0; i < 100 && !/Set AUTH_TOKEN/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50))
      const token = /generated one:\s+(\S+)/.exec(server.output())?.[1]
      assert.ok(token, 'the token is printed')
      assert.match(server.output(), /Authorization: Bearer <token>/)
      const local = server.url.replace('0.0.0.0', '127.0.0.1')
      assert.equal((await fetch(`${local}/health`)).status, 401)
      assert.equal((await fetch(`${local}/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
      assert.equal(server.output().split(token).length - 1, 1, 'printed once, never logged again')
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
