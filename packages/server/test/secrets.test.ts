// Secrets never reach a log line or an error message: keys from the environment, bearer
// tokens, and keys posted in any session's config all pass through one registry; tokens in a
// URL's query string are stripped from what is logged.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { createLogger } from '../src/logger.js'
import { SecretRegistry, secrets as registry } from '../src/secrets.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'
import { freePort as closedPort } from './helpers/ports.js'

/** Made at run time, and valid as session ids (so a careless client can put one in an id). */
const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`

/** The body of a refused WebSocket upgrade. */
function refusedUpgrade(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => resolve(body))
    })
    ws.once('open', () => reject(new Error('the upgrade was accepted')))
    ws.once('error', () => {})
  })
}

describe('the secret registry', () => {
  it('redacts every known value, longest first, and tokens in query strings', () => {
    const registry = new SecretRegistry()
    registry.add('short')
    registry.add('sk-abcdefgh')
    registry.addPosted('sk-abcdefgh-longer')
    const text = registry.scrub('a sk-abcdefgh-longer b sk-abcdefgh c short GET /ws?after=1&access_token=unknown-one&x=1')
    assert.equal(text, 'a [redacted] b [redacted] c short GET /ws?after=1&access_token=[redacted]&x=1')
  })

  it('with 10,000 posted keys, redacts each of them, the longest first, in one pass', () => {
    const registry = new SecretRegistry()
    const keys = Array.from({ length: 10_000 }, () => secret('sk'))
    for (const key of keys) registry.addPosted(key)
    const [first, middle, last] = [keys[3]!, keys[5000]!, keys[9999]!]
    // One key is the start of another (the oldest, keys[0], makes room for it); keys touch each
    // other and both ends of the text.
    registry.addPosted(`${middle}-longer`)
    const text = `${first}${last} x ${middle}-longer ${middle}y sk-not-a-key ${last}`
    assert.equal(registry.scrub(text), '[redacted][redacted] x [redacted] [redacted]y sk-not-a-key [redacted]')
    assert.equal(registry.scrub('nothing secret here'), 'nothing secret here')
    // Keys pushed out by newer ones (MAX_POSTED_SECRETS) are no longer known; the rest are.
    for (let i = 0; i < 2; i++) registry.addPosted(secret('sk'))
    assert.equal(registry.scrub(`${keys[2]} ${first}`), `${keys[2]} [redacted]`)
  })

  it('every logger scrubs with it, whoever created the logger', () => {
    const lines: string[] = []
    const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) })
    logger.error('HTTP GET /sessions?access_token=abc123abc123: boom')
    assert.match(JSON.parse(lines[0]!).msg, /\/sessions\?access_token=\[redacted\]: boom$/)
  })

  it('scrubs a secret in the message, in a field value, in a child binding and in an error field', () => {
    const key = secret('sk-logged')
    registry.add(key)
    const lines: string[] = []
    const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) })
    const child = logger.child({ sessionId: key })
    child.warn(`the key ${key} in a message`, { header: `Bearer ${key}`, nested: { list: [key] }, err: new Error(`failed with ${key}`) })
    assert.equal(lines.length, 1)
    assert.ok(!lines[0]!.includes(key), lines[0])
    const entry = JSON.parse(lines[0]!)
    assert.equal(entry.sessionId, '[redacted]')
    assert.equal(entry.msg, 'the key [redacted] in a message')
    assert.equal(entry.header, 'Bearer [redacted]')
    assert.deepEqual(entry.nested, { list: ['[redacted]'] })
    assert.equal(entry.err.message, 'failed with [redacted]')
    assert.equal(entry.level, 'warn')
  })
})

describe('a key posted in a named session config (in-process server)', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
  })
  after(() => stack.close())

  it('is scrubbed from HTTP and WebSocket error messages', async () => {
    const key = secret('sk-posted')
    const created = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'holds-a-key', config: { anthropicApiKey: key } }),
    })
    assert.equal(created.status, 201)
    // A careless client uses the key where an id goes: the answer echoes the id, redacted.
    const missing = await fetch(`${stack.url}/sessions/${key}`)
    const body = await missing.text()
    assert.equal(missing.status, 404)
    assert.ok(!body.includes(key) && body.includes('[redacted]'), body)
    const refused = await refusedUpgrade(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/${key}/ws`)
    assert.ok(!refused.includes(key) && refused.includes('[redacted]'), refused)
  })
})

describe('the real main.js log (npm start)', () => {
  let dir: string
  let server: ServerProcess
  const token = secret('tok')
  const envKey = secret('sk-env')
  const postedKey = secret('sk-posted')
  const urlPassword = secret('url-pw')
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-secrets-'))
    const env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      AUTH_TOKEN: token,
      ANTHROPIC_API_KEY: envKey,
      // An LLM gateway's own credential, in the URL.
      ANTHROPIC_BASE_URL: `http://gateway-user:${urlPassword}@127.0.0.1:${await closedPort()}`,
      LOG_LEVEL: 'debug',
    }
    server = await spawnServer(env, dir)
  })
  after(() => {
    server.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('never prints the token, the key from the environment or a posted key', async () => {
    // Each secret ends up in a log line: as a session id (the agent start is logged) or in a URL.
    for (const [id, config] of [
      [token, {}],
      [envKey, {}],
      [postedKey, { anthropicApiKey: postedKey }],
    ] as const) {
      const res = await fetch(`${server.url}/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id, config }) })
      assert.equal(res.status, 201, await res.text())
      const probe = await WsProbe.connect(`${server.wsBase}/sessions/${id}/ws?access_token=${token}`)
      probe.close()
    }
    await fetch(`${server.url}//?access_token=${token}`, { headers: auth }).then((r) => r.text())
    while ((server.output().match(/"sessionId":"\[redacted\]",.*"msg":"agent started/g) ?? []).length < 3) {
      await new Promise<void>((resolve) => server.child.stdout!.once('data', () => resolve()))
    }
    server.child.kill('SIGTERM')
    await server.exited
    const output = server.output()
    for (const value of [token, envKey, postedKey, urlPassword]) assert.ok(!output.includes(value), `${value} was logged:\n${output}`)
  })
})
