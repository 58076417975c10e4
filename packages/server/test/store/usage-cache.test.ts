// The model gateway's budget check reads budgets and spending from memory, not the file, on
// every request; what it reads must still be exact: refused as soon as a usage row crosses a
// budget, let through as soon as one is raised, across the sessions of a principal, and as
// stored when a write fails. Real SQLite files, the real ledger.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import { Ledger, type MeteredSession } from '../../src/usage/ledger.js'

// One dollar per million tokens of any kind: a cost is the token count / 1e6.
const FLAT = { models: {}, fallback: { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 } }
const answer = (inputTokens: number) => ({
  model: 'claude-test',
  usage: { input_tokens: inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
})

describe('budget checks from memory', () => {
  let dir: string
  let n = 0
  const open = () => new SqliteStore(join(dir, `usage${++n}.db`))
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cas-usage-cache-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses the request right after the usage row that crosses the budget, and lets one go once it is raised', async () => {
    const store = open()
    const ledger = new Ledger(store.usage, FLAT)
    const session: MeteredSession = { id: 'a', conversationId: 'conv-a', principal: null }
    const meter = ledger.meterFor(session)
    await ledger.setSessionBudget(session, 1)
    assert.equal(await meter.admit(), undefined)
    await meter.record(answer(600_000))
    assert.equal(await meter.admit(), undefined, 'under the budget: $0.60 of $1')
    // Not awaited: the check that follows must see it all the same.
    void meter.record(answer(400_000))
    assert.deepEqual(await meter.admit(), { scope: 'session', id: 'a', spentUsd: 1, limitUsd: 1 })
    void ledger.setSessionBudget(session, 2)
    assert.equal(await meter.admit(), undefined, 'raised to $2')
    await ledger.setSessionBudget(session, 0.5)
    assert.equal((await meter.admit())?.limitUsd, 0.5, 'lowered under what was spent')
    await store.close()
  })

  it("counts one session's spending against every session of its principal", async () => {
    const store = open()
    const ledger = new Ledger(store.usage, FLAT)
    const one = ledger.meterFor({ id: 'one', conversationId: 'conv-one', principal: 'alice' })
    const two = ledger.meterFor({ id: 'two', conversationId: 'conv-two', principal: 'alice' })
    await ledger.setPrincipalBudget('alice', 1)
    assert.equal(await two.admit(), undefined)
    await one.record(answer(1_000_000))
    assert.deepEqual(await two.admit(), { scope: 'principal', id: 'alice', spentUsd: 1, limitUsd: 1 })
    await store.close()
  })

  it('counts a row against the principal it was first stored for, also after the session changed hands', async () => {
    const store = open()
    const ledger = new Ledger(store.usage, FLAT)
    await ledger.setPrincipalBudget('alice', 1)
    const alices = ledger.meterFor({ id: 's', conversationId: 'conv-s', principal: 'alice' })
    await alices.record(answer(500_000))
    assert.equal(await alices.admit(), undefined)
    // The same conversation now counted for bob: its (conversation, model) row stays alice's.
    await ledger.meterFor({ id: 's', conversationId: 'conv-s', principal: 'bob' }).record(answer(500_000))
    assert.equal((await alices.admit())?.spentUsd, 1)
    await store.close()
  })

  it('reads what is stored when the write of a budget fails', async () => {
    const store = open()
    const ledger = new Ledger(store.usage, FLAT)
    const session: MeteredSession = { id: 'f', conversationId: 'conv-f', principal: null }
    const meter = ledger.meterFor(session)
    await ledger.setSessionBudget(session, 1)
    await meter.record(answer(1_000_000))
    assert.equal((await meter.admit())?.limitUsd, 1)
    // A write in the same transaction that fails at COMMIT takes the budget's change with it:
    // a deferred foreign key violated until the end makes the commit itself fail.
    store['db'].exec(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)',
    )
    store['db'].pragma('foreign_keys = ON')
    const raised = ledger.setSessionBudget(session, 5)
    const broken = store['writes'].run(() => store['db'].prepare('INSERT INTO child (p) VALUES (42)').run())
    await assert.rejects(raised)
    await assert.rejects(broken)
    assert.equal((await meter.admit())?.limitUsd, 1, 'the budget as stored, not the one that failed')
    await store.close()
  })
})
