// The audit log's bound: beyond its retention the oldest entries go, in a real SQLite file,
// and the ids go on growing after a reopen (a cursor never sees an id twice).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { AuditLog } from '../src/audit/audit-log.js'
import { SqliteStore } from '../src/event-log/sqlite-store.js'
import { createLogger, settingsFromEnv } from '../src/index.js'
import { startStack } from './helpers/stack.js'

describe('audit retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-audit-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const actor = { principal: 'alice', remote: '127.0.0.1' }
  const logger = createLogger({ level: 'silent' })

  it('keeps the newest entries only, and ids keep growing across a reopen', async () => {
    const path = join(dir, 'audit.db')
    let store = new SqliteStore(path)
    let audit = new AuditLog({ store, scrub: (t) => t, logger, retention: 3 })
    for (let i = 1; i <= 5; i++) audit.record(actor, 'exec', 's1', { n: i })
    assert.deepEqual(
      (await audit.list({ after: 0, limit: 100 })).map((e) => [e.id, e.detail['n']]),
      [
        [3, 3],
        [4, 4],
        [5, 5],
      ],
    )
    await store.close()
    store = new SqliteStore(path)
    audit = new AuditLog({ store, scrub: (t) => t, logger, retention: 3 })
    audit.record(actor, 'prompt', 's1', { n: 6 })
    assert.deepEqual(
      (await audit.list({ after: 0, limit: 100 })).map((e) => e.id),
      [4, 5, 6],
    )
    await store.close()
  })

  it("is per principal: one member's flood pushes out only its own entries", async () => {
    const store = new SqliteStore(':memory:')
    const audit = new AuditLog({ store, scrub: (t) => t, logger, retention: 1000 })
    audit.record(actor, 'session_delete', 's1', { n: 1 })
    audit.record({ principal: 'bob', remote: '127.0.0.1' }, 'exec', 's2', { n: 2 })
    // 20 times the retention of interrupts with nothing to interrupt.
    for (let i = 0; i < 20_000; i++) audit.record({ principal: 'mallory', remote: '127.0.0.1' }, 'interrupt', 's3')
    const byWhom = async (principal: string) => (await audit.list({ after: 0, limit: 100_000, principal })).length
    assert.equal(await byWhom('alice'), 1)
    assert.equal(await byWhom('bob'), 1)
    const flood = await byWhom('mallory')
    // Pruned every 1% of the retention: never more than that over it.
    assert.ok(flood >= 1000 && flood <= 1010, String(flood))
    const newest = await audit.list({ after: 0, limit: 100_000, principal: 'mallory' })
    assert.equal(newest.at(-1)!.id, 20_002, 'the newest are the ones kept')
    await store.close()
  })

  it('keeps at most ten times the retention of all principals together', async () => {
    const store = new SqliteStore(':memory:')
    const audit = new AuditLog({ store, scrub: (t) => t, logger, retention: 2 })
    // A token per job: 50 principals, 2 entries each, none ever writes again.
    for (let job = 0; job < 50; job++)
      for (let n = 0; n < 2; n++) audit.record({ principal: `job-${job}`, remote: '127.0.0.1' }, 'exec', 's', { job })
    const kept = await audit.list({ after: 0, limit: 1000 })
    // Checked every ten entries here (1% of the total at the default): at most that over it.
    assert.ok(kept.length >= 20 && kept.length < 30, String(kept.length))
    assert.deepEqual(kept.at(-1)!.detail, { job: 49 }, 'the newest of all are the ones kept')
    await store.close()
  })

  it('is AUDIT_RETENTION on a server: GET /audit keeps the newest that many', async () => {
    assert.equal(settingsFromEnv({}).auditRetention, 100_000)
    assert.equal(settingsFromEnv({ AUDIT_RETENTION: '2' }).auditRetention, 2)
    assert.throws(() => settingsFromEnv({ AUDIT_RETENTION: '0' }), /AUDIT_RETENTION/)
    const stack = await startStack({ settings: { auditRetention: 2, sandbox: 'none' } })
    try {
      for (const id of ['r1', 'r2', 'r3']) {
        const res = await fetch(`${stack.url}/sessions`, { method: 'POST', body: JSON.stringify({ id }) })
        assert.equal(res.status, 201)
      }
      const { entries } = (await (await fetch(`${stack.url}/audit`)).json()) as { entries: { sessionId?: string }[] }
      assert.deepEqual(
        entries.map((e) => e.sessionId),
        ['r2', 'r3'],
      )
    } finally {
      await stack.close()
    }
  })

  it('scrubs every string of a detail and cuts long ones', async () => {
    const store = new SqliteStore(':memory:')
    const audit = new AuditLog({ store, scrub: (t) => t.replaceAll('sk-secret', '[redacted]'), logger })
    audit.record(actor, 'file_write', 's1', { path: `a/sk-secret/${'x'.repeat(2000)}` })
    const [entry] = await audit.list({ after: 0, limit: 1 })
    const path = entry!.detail['path'] as string
    assert.ok(path.startsWith('a/[redacted]/') && path.length === 512, path.slice(0, 40))
    await store.close()
  })
})
