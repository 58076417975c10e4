// Settings built by embedding code (startServer({ settings })) skip the environment's parsing,
// so its bounds held only for the environment: a hook URL with user:password@ was logged and
// listed as is, a 3-character secret accepted, an unknown event never sent, a timeout past
// setTimeout's range fired after 1 ms. startServer checks them as settingsFromEnv does, before
// it touches the data directory, and names the field without the secret.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createLogger, settingsFromEnv, startServer, type ServerSettings } from '../src/index.js'

const SECRET = 'whsec-embedded-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'cas-embedded-settings-'))
const base = (): ServerSettings => ({ ...settingsFromEnv({ DATA_DIR: join(dir, 'data'), SANDBOX: 'none' }), port: 0 })
const hook = { id: 'h', url: 'https://hooks.example/x', secret: SECRET, events: ['turn.completed' as const] }
const withHooks = (hooks: unknown[], policy: object = {}): ServerSettings => {
  const settings = base()
  return { ...settings, webhooks: { ...settings.webhooks, hooks: hooks as ServerSettings['webhooks']['hooks'], ...policy } }
}

async function refused(settings: ServerSettings, pattern: RegExp): Promise<void> {
  await assert.rejects(
    startServer({ settings, logger: createLogger({ level: 'silent' }) }),
    (err: Error) => err.name === 'SettingsError' && pattern.test(err.message) && !err.message.includes(SECRET),
  )
  // Refused before the data directory is made or locked.
  assert.equal(existsSync(join(dir, 'data')), false)
}

describe('settings from embedding code', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses a hook the environment could not configure, naming it, never its secret', async () => {
    await refused(withHooks([{ ...hook, url: 'https://user:pw@hooks.example/x' }]), /webhooks\.hooks\[0\]\.url must not carry credentials/)
    await refused(withHooks([{ ...hook, url: SECRET }]), /webhooks\.hooks\[0\]\.url is not a URL \(not shown/)
    await refused(withHooks([{ ...hook, url: 'file:///etc/passwd' }]), /must be an http: or https: URL/)
    await refused(withHooks([{ ...hook, secret: 'abc' }]), /webhooks\.hooks\[0\]\.secret must be a string of at least 16/)
    await refused(withHooks([{ ...hook, events: ['turn.done'] }]), /unknown event "turn\.done"/)
    await refused(withHooks([{ ...hook, events: [] }]), /must list event names/)
    await refused(withHooks([{ ...hook, id: '../x' }]), /webhooks\.hooks\[0\]\.id must be 1-64/)
    await refused(withHooks([hook, { ...hook }]), /webhook id "h" is used twice/)
  })

  it('refuses a retry policy or timeout out of range', async () => {
    await refused(
      withHooks([hook], { timeoutMs: 2 ** 31 }),
      /webhooks\.timeoutMs must be an integer >= 1 and <= 2147483647, got 2147483648/,
    )
    await refused(withHooks([hook], { retryBaseMs: 0 }), /webhooks\.retryBaseMs must be an integer >= 1/)
    await refused(withHooks([hook], { maxAttempts: Number.NaN }), /webhooks\.maxAttempts must be an integer >= 1, got NaN/)
    await refused(withHooks([hook], { maxPending: 1.5 }), /webhooks\.maxPending/)
  })

  it('refuses a duration past a timer’s range, a fraction or NaN', async () => {
    await refused(
      { ...base(), idleTimeoutMs: 2 ** 31 },
      /settings\.idleTimeoutMs must be an integer from 0 to 2147483647 \(ms\), got 2147483648/,
    )
    await refused({ ...base(), permissionTimeoutMs: 0 }, /settings\.permissionTimeoutMs must be an integer from 1/)
    await refused({ ...base(), turnSilenceTimeoutMs: Number.NaN }, /settings\.turnSilenceTimeoutMs .* got NaN/)
    await refused({ ...base(), shutdownGraceMs: 0.5 }, /settings\.shutdownGraceMs/)
  })

  it('starts with what the environment gives, and with a valid hook', async () => {
    const server = await startServer({ settings: withHooks([hook]), logger: createLogger({ level: 'silent' }) })
    try {
      assert.deepEqual(
        server.webhooks.hooks().map((h) => h.id),
        ['h'],
      )
    } finally {
      await server.close()
    }
  })
})
