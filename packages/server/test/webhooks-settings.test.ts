// Webhook configuration is checked at start: a bad URL, an unknown event, a short secret, a
// broken file stops the server with one line naming it and never the secret. The signature
// check refuses a changed body, another secret, an old timestamp and a malformed header.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { settingsFromEnv, signWebhook, verifyWebhookSignature } from '../src/index.js'
import { MAIN } from './helpers/server-process.js'

const SECRET = 'whsec-settings-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'cas-webhook-settings-'))
const file = (name: string, content: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}
const base = { DATA_DIR: join(dir, 'data') }
const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => settingsFromEnv({ ...base, ...env }),
    (err: Error) => err.name === 'SettingsError' && pattern.test(err.message) && !err.message.includes(SECRET),
  )

describe('webhook settings', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('reads one hook from the environment and hooks from a file, whose path the sandbox hides', () => {
    const path = file('hooks.json', [{ id: 'ops', url: 'https://hooks.example/ops', secret: SECRET, events: ['turn.completed'] }])
    const settings = settingsFromEnv({ ...base, WEBHOOKS_FILE: path, WEBHOOK_URL: 'http://127.0.0.1:9/x', WEBHOOK_SECRET: SECRET })
    assert.deepEqual(
      settings.webhooks.hooks.map((h) => [h.id, h.url, h.events]),
      [
        ['ops', 'https://hooks.example/ops', ['turn.completed']],
        ['env', 'http://127.0.0.1:9/x', ['turn.completed', 'permission.requested', 'session.error', 'budget.reached']],
      ],
    )
    assert.ok(settings.sandboxHide?.includes(path))
    assert.equal(settingsFromEnv(base).webhooks.hooks.length, 0)
  })

  it('refuses bad hooks, naming the setting and never the secret', () => {
    const hook = { id: 'a', url: 'https://hooks.example/', secret: SECRET }
    refused({ WEBHOOK_URL: 'not a url', WEBHOOK_SECRET: SECRET }, /^WEBHOOK_URL is not a URL/)
    // Never quoted: the secret in the wrong variable, a password in a URL that does not parse.
    refused({ WEBHOOK_URL: SECRET, WEBHOOK_SECRET: 'https://hooks.example/x' }, /^WEBHOOK_URL is not a URL \(not shown/)
    refused({ WEBHOOK_URL: `https://u:${SECRET}@hooks.example:99999/`, WEBHOOK_SECRET: SECRET }, /^WEBHOOK_URL is not a URL/)
    refused({ WEBHOOKS_FILE: file('badurl.json', [{ ...hook, url: `https://u:${SECRET}@[::1/` }]) }, /\[0\]\.url is not a URL/)
    refused({ WEBHOOK_URL: `${SECRET}:x`, WEBHOOK_SECRET: SECRET }, /^WEBHOOK_URL must be an http: or https: URL$/)
    refused({ WEBHOOK_URL: 'ftp://hooks.example/', WEBHOOK_SECRET: SECRET }, /WEBHOOK_URL must be an http: or https: URL/)
    refused({ WEBHOOK_URL: `https://u:${SECRET}@hooks.example/`, WEBHOOK_SECRET: SECRET }, /must not carry credentials/)
    refused({ WEBHOOK_URL: 'https://hooks.example/', WEBHOOK_SECRET: 'short' }, /WEBHOOK_SECRET must be a string of at least 16/)
    refused({ WEBHOOK_URL: 'https://hooks.example/' }, /WEBHOOK_SECRET must be/)
    refused({ WEBHOOK_SECRET: SECRET }, /need WEBHOOK_URL/)
    refused(
      { WEBHOOK_URL: 'https://hooks.example/', WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: 'turn.completed,turn.started' },
      /WEBHOOK_EVENTS: unknown event "turn.started" \(known: turn.completed/,
    )
    refused({ WEBHOOKS_FILE: join(dir, 'missing.json') }, /WEBHOOKS_FILE .*missing.json: ENOENT/)
    refused({ WEBHOOKS_FILE: file('junk.json', `{"secret": "${SECRET}"`) }, /WEBHOOKS_FILE .*junk.json: not valid JSON$/)
    refused({ WEBHOOKS_FILE: file('object.json', { hooks: [] }) }, /must hold a JSON array/)
    refused({ WEBHOOKS_FILE: file('noid.json', [{ ...hook, id: '../x' }]) }, /\[0\]\.id must be/)
    refused({ WEBHOOKS_FILE: file('extra.json', [{ ...hook, retries: 3 }]) }, /\[0\]: unknown field "retries"/)
    refused({ WEBHOOKS_FILE: file('twice.json', [hook, hook]) }, /webhook id "a" is used twice/)
    refused({ WEBHOOKS_FILE: file('ev.json', [{ ...hook, events: [] }]) }, /\[0\]\.events must list event names/)
    refused({ WEBHOOK_MAX_ATTEMPTS: '0' }, /WEBHOOK_MAX_ATTEMPTS must be an integer >= 1/)
    // Past setTimeout's range a limit would end every try after 1 ms.
    refused({ WEBHOOK_TIMEOUT_MS: '2147483648' }, /^WEBHOOK_TIMEOUT_MS must be an integer >= 1 and <= 2147483647, got "2147483648"$/)
    assert.equal(settingsFromEnv({ ...base, WEBHOOK_TIMEOUT_MS: '2147483647' }).webhooks.timeoutMs, 2147483647)
    // A wait of 2^53 ms put the next try past the last Date: GET /webhooks answered 500 for as long as it was pending.
    refused({ WEBHOOK_RETRY_MAX_MS: String(Number.MAX_SAFE_INTEGER) }, /^WEBHOOK_RETRY_MAX_MS must be an integer >= 1 and <= 2147483647/)
    refused({ WEBHOOK_RETRY_BASE_MS: '2147483648' }, /^WEBHOOK_RETRY_BASE_MS must be an integer >= 1 and <= 2147483647/)
  })

  it('stops the real main.js with one line', async () => {
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        PORT: '0',
        ...base,
        WEBHOOK_URL: 'https://hooks.example/',
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_EVENTS: 'nope',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const code = await new Promise((resolve) => child.once('close', resolve))
    assert.notEqual(code, 0)
    assert.equal(
      output.trim(),
      'claude-agent-server failed to start: WEBHOOK_EVENTS: unknown event "nope" (known: turn.completed, permission.requested, session.error, budget.reached)',
    )
  })
})

describe('verifyWebhookSignature', () => {
  const body = '{"type":"turn.completed"}'
  const now = Date.now()
  const t = Math.floor(now / 1000)

  it('accepts the signature the server makes, and one of several (a rotation)', () => {
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, signature: signWebhook(SECRET, body, t), now }), {
      valid: true,
      timestamp: t,
    })
    assert.equal(
      verifyWebhookSignature({ secret: SECRET, body: Buffer.from(body), signature: signWebhook(SECRET, body, t), now }).valid,
      true,
    )
    const other = signWebhook('another-secret-0123456789', body, t).split(',')[1]
    const both = `${signWebhook(SECRET, body, t)},${other}`
    assert.equal(verifyWebhookSignature({ secret: SECRET, body, signature: both, now }).valid, true)
  })

  it('refuses a changed body, another secret, a moved timestamp, an old or malformed header', () => {
    const signature = signWebhook(SECRET, body, t)
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret: SECRET, body, signature, now, ...over })
    assert.deepEqual(check({ body: body.replace('completed', 'completeD') }), { valid: false, reason: 'mismatch' })
    assert.deepEqual(check({ secret: 'whsec-other-0123456789abcdef' }), { valid: false, reason: 'mismatch' })
    assert.deepEqual(check({ signature: signature.replace(`t=${t}`, `t=${t - 1}`) }), { valid: false, reason: 'mismatch' })
    assert.deepEqual(check({ now: now + 301_000 }), { valid: false, reason: 'stale' })
    assert.deepEqual(check({ now: now - 301_000 }), { valid: false, reason: 'stale' })
    assert.equal(check({ now: now + 60_000, toleranceSeconds: 30 }).valid, false)
    for (const bad of [
      undefined,
      '',
      'v1=abc',
      `t=${t}`,
      `t=abc,${signature.split(',')[1]}`,
      `t=${t},v1=${'0'.repeat(63)}`,
      `t=${t},v1=\0`,
    ]) {
      assert.deepEqual(check({ signature: bad }), { valid: false, reason: 'malformed' }, String(bad))
    }
  })
})
