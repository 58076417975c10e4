// Webhook deliveries are durable: one still pending when the server stops is delivered by the
// next server on the same data directory (same delivery id, its earlier tries kept); one for a
// hook the new configuration no longer has is marked failed; the queue is bounded. No CLI runs
// here: the events are emitted on the real sessions, as their parts emit them.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createLogger, settingsFromEnv, startServer, type RunningServer, type ServerSettings, type WebhookSettings } from '../src/index.js'
import { freePort } from './helpers/ports.js'
import { startReceiver } from './helpers/webhook-receiver.js'

const SECRET = 'whsec-restart-0123456789abcdef'

async function until<T>(read: () => T | false | undefined | Promise<T | false | undefined>): Promise<T> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const value = await read()
    if (value) return value
  }
  throw new Error('timed out waiting')
}

describe('webhooks across a restart', () => {
  const dirs: string[] = []
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })
  const lines: string[] = []
  const logger = { ...createLogger({ level: 'silent' }), warn: (m: string) => lines.push(m) }
  const serverSettings = (dir: string, webhooks: Partial<WebhookSettings>): ServerSettings => {
    const base = settingsFromEnv({ DATA_DIR: join(dir, 'data'), WORKSPACE_DIR: join(dir, 'workspace'), SANDBOX: 'none' })
    return { ...base, port: 0, webhooks: { ...base.webhooks, retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 20, ...webhooks } }
  }
  const sessionError = (server: RunningServer, message: string) =>
    server.sessions.defaultSession.record({ type: 'error', code: 'TURN_FAILED', error: message })

  it('delivers after the restart what was pending before it, and fails what has no hook left', async () => {
    let phase = 1
    const receiver = await startReceiver(SECRET, () => (phase === 1 ? 500 : 200))
    const dir = mkdtempSync(join(tmpdir(), 'cas-webhooks-'))
    dirs.push(dir)
    const kept = { id: 'kept', url: `${receiver.url}/kept`, secret: SECRET, events: ['session.error' as const] }
    const dropped = { id: 'dropped', url: `${receiver.url}/dropped`, secret: SECRET, events: ['session.error' as const] }
    const first = await startServer({ settings: serverSettings(dir, { hooks: [kept, dropped] }), logger })
    await sessionError(first, 'before the restart')
    const tried = await until(() => receiver.arrivals.find((a) => a.path === '/kept' && a.answer === 500))
    // Recorded as tried (a try the stop cuts short is not counted, and is made again).
    await until(async () => (await first.webhooks.deliveries()).find((d) => d.id === tried.delivery && d.attempts >= 1))
    await first.close()
    phase = 2

    const second = await startServer({ settings: serverSettings(dir, { hooks: [kept] }), logger })
    try {
      const landed = await receiver.next((a) => a.path === '/kept' && a.answer === 200)
      assert.equal(landed.delivery, tried.delivery, 'the same delivery, resumed')
      assert.equal(landed.json.data['message'], 'before the restart')
      assert.ok(landed.check.valid)
      assert.ok(landed.attempt > tried.attempt)
      const delivered = await until(async () =>
        (await second.webhooks.deliveries()).find((d) => d.id === tried.delivery && d.status === 'delivered'),
      )
      assert.deepEqual(
        delivered.attemptLog.map((a) => a.statusCode),
        [...Array<number>(delivered.attempts - 1).fill(500), 200],
        'the tries before the restart are kept',
      )
      const orphan = (await second.webhooks.deliveries()).find((d) => d.hook === 'dropped')!
      assert.equal(orphan.status, 'failed')
      assert.equal(orphan.lastError, 'hook "dropped" is no longer configured')
    } finally {
      await second.close()
      await receiver.close()
    }
  })

  it('keeps at most maxPending deliveries, saying so once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-webhooks-'))
    dirs.push(dir)
    const down = { id: 'down', url: `http://127.0.0.1:${await freePort()}/`, secret: SECRET, events: ['session.error' as const] }
    const server = await startServer({ settings: serverSettings(dir, { hooks: [down], maxPending: 2, retryBaseMs: 60_000 }), logger })
    try {
      for (let i = 0; i < 5; i++) await sessionError(server, `error ${i}`)
      const kept = await server.webhooks.deliveries()
      assert.deepEqual(kept.map((d) => JSON.parse(d.body).data.message).sort(), ['error 0', 'error 1'])
      assert.equal(lines.filter((l) => l.includes('hook down has 2 deliveries pending; dropping')).length, 1)
    } finally {
      await server.close()
    }
  })

  it('waits quietly for a try due at the end of the range of a timer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-webhooks-'))
    dirs.push(dir)
    const down = { id: 'down', url: `http://127.0.0.1:${await freePort()}/`, secret: SECRET, events: ['session.error' as const] }
    // The longest wait allowed (24.8 days, setTimeout's 2^31-1 ms): one ms more and Node would
    // turn it into 1 ms; the settings refuse longer ones, and the dispatcher caps each timer.
    const longest = 2 ** 31 - 1
    const webhooks = { hooks: [down], retryBaseMs: longest, retryMaxMs: longest }
    const server = await startServer({ settings: serverSettings(dir, webhooks), logger })
    const overflows: string[] = []
    const onWarning = (warning: Error) => void (warning.name === 'TimeoutOverflowWarning' && overflows.push(warning.message))
    process.on('warning', onWarning)
    try {
      await sessionError(server, 'due in 24 days')
      await until(async () => (await server.webhooks.deliveries()).find((d) => d.attempts === 1 && d.nextAt !== null))
      const cpu = process.cpuUsage()
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const used = process.cpuUsage(cpu)
      assert.deepEqual(overflows, [])
      // Waiting costs nothing: pumping every ms took a third of a core.
      assert.ok(used.user + used.system < 100_000, `${Math.round((used.user + used.system) / 1000)} ms of CPU in 1 s of waiting`)
    } finally {
      process.off('warning', onWarning)
      await server.close()
    }
  })

  it("bounds each hook's queue on its own: a receiver that is down never makes another hook drop", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-webhooks-'))
    dirs.push(dir)
    const receiver = await startReceiver(SECRET)
    const down = { id: 'down', url: `http://127.0.0.1:${await freePort()}/`, secret: SECRET, events: ['session.error' as const] }
    const up = { id: 'up', url: `${receiver.url}/up`, secret: SECRET, events: ['session.error' as const] }
    const webhooks = { hooks: [down, up], maxPending: 2, retryBaseMs: 60_000 }
    const server = await startServer({ settings: serverSettings(dir, webhooks), logger })
    try {
      for (let i = 0; i < 6; i++) {
        await sessionError(server, `error ${i}`)
        // Each lands before the next is made: "up" never has more than one pending.
        await receiver.next((a) => a.path === '/up' && a.json.data['message'] === `error ${i}`)
      }
      // The last one to "up" is recorded once the server has read its answer.
      const pending = await until(async () => {
        const left = (await server.webhooks.deliveries()).filter((d) => d.status === 'pending')
        return left.every((d) => d.hook === 'down') && left
      })
      assert.equal(pending.length, 2)
      assert.ok(!lines.some((l) => l.includes('for hook up') || l.includes('hook up has')))
    } finally {
      await server.close()
      await receiver.close()
    }
  })
})
