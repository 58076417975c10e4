// The kubelet's probes on METRICS_PORT: `/ready` and `/live` answer there without a token, a
// failing check makes `/ready` 503 there too, and nothing else is served on that port: no
// session, no config, no check's detail, no WebSocket, whatever the path's spelling.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { TEST_API_KEY, startStack, type Stack } from './helpers/stack.js'

const token = 'probe-test-token-0123456789abcdef'
const auth = { authorization: `Bearer ${token}` }

/** One request with the target sent exactly as written (fetch would normalize it). */
function raw(port: number, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('probes on the metrics port', () => {
  let stack: Stack
  let port: number
  before(async () => {
    stack = await startStack({ settings: { authTokens: [{ label: 'ops', token }], metricsPort: 0, prewarm: false } })
    port = stack.server.metricsPort as number
    const created = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'probe-secret-session' }),
    })
    assert.equal(created.status, 201)
  })
  after(() => stack?.close())

  it('answers /ready and /live without a token, with no check detail', async () => {
    const ready = await raw(port, 'GET', '/ready')
    assert.equal(ready.status, 200, ready.body)
    const body = JSON.parse(ready.body) as { ok: boolean; checks: Record<string, Record<string, unknown>> }
    assert.equal(body.ok, true)
    assert.deepEqual(Object.keys(body.checks).sort(), ['dataDir', 'model', 'sandbox'])
    for (const check of Object.values(body.checks)) assert.deepEqual(check, { ok: true })
    assert.equal((await raw(port, 'GET', '/ready?verbose=1')).status, 200)
    const live = await raw(port, 'GET', '/live')
    assert.equal(live.status, 200)
    assert.deepEqual(JSON.parse(live.body), { ok: true })
    // The API port still wants the token for its /ready.
    assert.equal((await fetch(`${stack.url}/ready`)).status, 401)
  })

  it('serves nothing else there, however the path is spelled', async () => {
    const refused: Array<[string, string]> = [
      ['GET', '/sessions'],
      ['GET', '/sessions/probe-secret-session'],
      ['GET', '/sessions/probe-secret-session/events'],
      ['GET', '/config'],
      ['GET', '/openapi.json'],
      ['GET', '/health'],
      ['GET', '/audit'],
      ['GET', '/usage'],
      ['GET', '/files'],
      ['GET', '/'],
      ['GET', '/ready/'],
      ['GET', '//ready'],
      ['GET', '/READY'],
      ['GET', '/ready%00'],
      ['GET', '/ready/../sessions'],
      ['GET', '/./sessions'],
      ['GET', 'http://127.0.0.1/sessions'],
      ['POST', '/ready'],
      ['DELETE', '/sessions/probe-secret-session'],
      ['POST', '/live'],
    ]
    for (const [method, path] of refused) {
      const res = await raw(port, method, path)
      assert.equal(res.status, 404, `${method} ${path} answered ${res.status}`)
      assert.ok(!res.body.includes('probe-secret-session'), `${method} ${path} names a session`)
      assert.ok(!res.body.includes(stack.settings.dataDir), `${method} ${path} names the data directory`)
    }
    // The session is still there: nothing on the probe port touched it.
    assert.equal((await fetch(`${stack.url}/sessions/probe-secret-session`, { headers: auth })).status, 200)
  })

  it('takes no WebSocket', async () => {
    for (const path of ['/ws', '/sessions/probe-secret-session/ws', '/files/watch']) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`)
      const outcome = await new Promise<string>((resolve) => {
        socket.once('open', () => resolve('open'))
        socket.once('error', () => resolve('refused'))
      })
      socket.terminate()
      assert.equal(outcome, 'refused', `${path} upgraded`)
    }
  })
})

describe('a failing check on the probe port', () => {
  let stack: Stack
  before(async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`
    stack = await startStack({
      agentVars: () => ({ ANTHROPIC_BASE_URL: unreachable, ANTHROPIC_API_KEY: TEST_API_KEY, CLAUDE_CODE_MAX_RETRIES: '0' }),
      settings: { authTokens: [{ label: 'ops', token }], metricsPort: 0, prewarm: false },
    })
  })
  after(() => stack?.close())

  it('makes /ready 503 naming the check, without its detail, while /live stays 200', async () => {
    const port = stack.server.metricsPort as number
    const ready = await raw(port, 'GET', '/ready')
    assert.equal(ready.status, 503, ready.body)
    const body = JSON.parse(ready.body) as { ok: boolean; checks: Record<string, Record<string, unknown>> }
    assert.equal(body.ok, false)
    assert.deepEqual(body.checks['model'], { ok: false })
    assert.ok(!ready.body.includes('127.0.0.1'), 'no host named on the open port')
    // The authenticated /ready has the detail.
    const full = (await (await fetch(`${stack.url}/ready`, { headers: auth })).json()) as { checks: Record<string, { detail?: string }> }
    assert.match(full.checks['model']?.detail ?? '', /cannot be reached/)
    assert.equal((await raw(port, 'GET', '/live')).status, 200)
  })
})
