// Web pages on other sites. A page can open a WebSocket to any address and send a simple POST
// (text/plain, no preflight) anywhere, and a page whose domain is re-pointed at 127.0.0.1 (DNS
// rebinding) is same-origin with it. An open server (no token, the loopback default) would run
// such a page's prompt: each is refused with ORIGIN_NOT_ALLOWED before anything happens, and
// only the origins in ALLOWED_ORIGINS get CORS answers.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { settingsFromEnv } from '../src/index.js'
import { startStack, type Stack } from './helpers/stack.js'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** An HTTP request with exactly these headers (fetch would not send a chosen Host). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Opens a WebSocket with these headers: the first frame, or the refusal's status and body. */
function openSocket(
  url: string,
  headers: Record<string, string>,
  protocols: string[] = [],
): Promise<{ frame?: string; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers })
    ws.once('message', (data) => {
      resolve({ frame: String(data) })
      ws.close()
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err)
    })
  })
}

const codeOf = (text: string | undefined) => (JSON.parse(text ?? '{}') as { code?: string }).code

describe('an open server and web pages on other sites', () => {
  let stack: Stack
  let host: string
  before(async () => {
    stack = await startStack()
    host = new URL(stack.url).host
  })
  after(() => stack.close())

  it('refuses a WebSocket opened by a page on another origin, before the upgrade', async () => {
    const refused = await openSocket(stack.wsUrl, { origin: 'https://evil.example' })
    assert.equal(refused.status, 403)
    assert.equal(codeOf(refused.body), 'ORIGIN_NOT_ALLOWED')
    assert.match(refused.body ?? '', /ALLOWED_ORIGINS/)
    assert.equal(
      codeOf((await openSocket(stack.wsUrl, { origin: 'null' })).body),
      'ORIGIN_NOT_ALLOWED',
      'a sandboxed frame or file:// page',
    )
  })

  it('accepts its own pages (the web console) and programs, which send no Origin', async () => {
    for (const headers of [{ origin: `http://${host}` }, {}] as Record<string, string>[]) {
      const opened = await openSocket(stack.wsUrl, headers)
      assert.equal(JSON.parse(opened.frame ?? '{}').type, 'connected', JSON.stringify(opened))
    }
    const own = await send(`${stack.url}/sessions`, 'GET', { origin: `http://${host}` })
    assert.equal(own.status, 200)
  })

  it('refuses a simple cross-site POST (no preflight): nothing is created', async () => {
    const post = await send(
      `${stack.url}/sessions`,
      'POST',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      '{"id":"csrf"}',
    )
    assert.equal(post.status, 403)
    assert.equal(codeOf(post.body), 'ORIGIN_NOT_ALLOWED')
    assert.equal(post.headers['access-control-allow-origin'], undefined, 'no CORS answer for it')
    const list = await send(`${stack.url}/sessions`, 'GET', {})
    assert.ok(!list.body.includes('"csrf"'), list.body)
  })

  it('refuses a host name that is not loopback (DNS rebinding), with or without an Origin', async () => {
    const port = new URL(stack.url).port
    const rebound = `evil.example:${port}`
    const plain = await send(`${stack.url}/sessions`, 'GET', { host: rebound })
    assert.equal(plain.status, 403)
    assert.equal(codeOf(plain.body), 'ORIGIN_NOT_ALLOWED')
    assert.match(plain.body, /AUTH_TOKENS/)
    const sameSite = await send(
      `${stack.url}/sessions`,
      'POST',
      { host: rebound, origin: `http://${rebound}`, 'content-type': 'text/plain' },
      '{"id":"rebound"}',
    )
    assert.equal(sameSite.status, 403)
    const socket = await openSocket(stack.wsUrl, { host: rebound, origin: `http://${rebound}` })
    assert.equal(socket.status, 403)
    assert.equal(codeOf(socket.body), 'ORIGIN_NOT_ALLOWED')
    for (const name of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `console.localhost:${port}`]) {
      assert.equal((await send(`${stack.url}/health`, 'GET', { host: name })).status, 200, name)
    }
  })
})

describe('a server with tokens and ALLOWED_ORIGINS', () => {
  const TOKEN = 'origin-test-token-0123456789abcdef'
  const APP = 'https://app.example'
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { authTokens: [{ label: 'ops', token: TOKEN, role: 'admin' }], allowedOrigins: [APP] } })
  })
  after(() => stack.close())

  it('answers the preflight of a listed origin, and its requests carry CORS headers', async () => {
    const preflight = await send(`${stack.url}/sessions`, 'OPTIONS', {
      origin: APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], APP)
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/)
    const created = await send(
      `${stack.url}/sessions`,
      'POST',
      { origin: APP, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      '{"id":"from-app"}',
    )
    assert.equal(created.status, 201, created.body)
    assert.equal(created.headers['access-control-allow-origin'], APP)
    const opened = await openSocket(`${stack.url.replace(/^http/, 'ws')}/sessions/from-app/ws`, { origin: APP }, ['bearer', TOKEN])
    assert.equal(JSON.parse(opened.frame ?? '{}').type, 'connected', JSON.stringify(opened))
  })

  it('refuses an origin that is not listed, even with a valid token', async () => {
    const other = await send(`${stack.url}/sessions`, 'GET', { origin: 'https://other.example', authorization: `Bearer ${TOKEN}` })
    assert.equal(other.status, 403)
    assert.equal(codeOf(other.body), 'ORIGIN_NOT_ALLOWED')
  })

  it('serves any host name once a token is required (behind a proxy, under its public name)', async () => {
    const proxied = await send(`${stack.url}/sessions`, 'GET', {
      host: 'agents.example.com',
      origin: 'https://agents.example.com',
      authorization: `Bearer ${TOKEN}`,
    })
    assert.equal(proxied.status, 200, proxied.body)
    const renamed = await send(`${stack.url}/sessions`, 'GET', {
      host: 'claude-agent:3000',
      'x-forwarded-host': 'agents.example.com',
      origin: 'https://agents.example.com',
      authorization: `Bearer ${TOKEN}`,
    })
    assert.equal(renamed.status, 200, 'a proxy that renames the host says the public one')
  })
})

describe('ALLOWED_ORIGINS', () => {
  it('takes origins and *, and refuses anything else by name', () => {
    assert.deepEqual(settingsFromEnv({ ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' }).allowedOrigins, [
      'https://a.example',
      'http://localhost:5173',
    ])
    assert.deepEqual(settingsFromEnv({ ALLOWED_ORIGINS: '*' }).allowedOrigins, ['*'])
    assert.deepEqual(settingsFromEnv({}).allowedOrigins, [])
    for (const bad of ['https://a.example/path', 'a.example', 'ftp://a.example', 'https://a.example/']) {
      assert.throws(
        () => settingsFromEnv({ ALLOWED_ORIGINS: bad }),
        new RegExp(`ALLOWED_ORIGINS: "${bad.replaceAll('/', '\\/').replaceAll('.', '\\.')}"`),
      )
    }
  })
})
