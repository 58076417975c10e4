// The one contract every Store keeps (SQLite and PostgreSQL run it: sqlite-store.test.ts,
// postgres-store.test.ts). Each test gets a fresh, empty store; `reopen` opens a new Store on
// the same file or database, as a restarted server would.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EventFrame, SessionRecord, Store, StoredEvent } from '../../src/event-log/event-log.js'
import { newSessionRecord } from '../../src/event-log/rows.js'

export interface OpenedStore {
  store: Store
  /** A new Store on the same data (call after closing the first). */
  reopen(): Promise<Store>
}
export type StoreFactory = () => Promise<OpenedStore>

export const sessionRecord = (id: string, over: Partial<SessionRecord> = {}): SessionRecord =>
  newSessionRecord(id, { conversationId: `c-${id}`, config: { model: 'claude-test' }, ...over })
const info = (message: string): EventFrame => ({ type: 'info', message, source: 'server' })
const messages = (events: StoredEvent[]) => events.map((e) => (JSON.parse(e.text) as { message: string }).message)
const seqs = (events: StoredEvent[]) => events.map((e) => e.seq)

/** Runs `body` on a fresh store, closing whatever is open at the end. */
async function using(factory: StoreFactory, body: (opened: OpenedStore, track: (s: Store) => Store) => Promise<void>): Promise<void> {
  const opened = await factory()
  const open = [opened.store]
  try {
    await body(opened, (s) => (open.push(s), s))
  } finally {
    for (const s of open) await s.close().catch(() => {})
  }
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`${name} store contract`, () => {
    it('keeps sessions: insert, get, list, every update; SESSION_EXISTS on a taken id', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('a', { owner: 'ann' }))
        await store.insertSession(sessionRecord('b'))
        await assert.rejects(store.insertSession(sessionRecord('a')), (err: Error & { code?: string }) => err.code === 'SESSION_EXISTS')
        await store.updateSessionState('a', 'idle')
        await store.updateSessionConfig('a', { model: 'other', permissionMode: 'plan' })
        await store.updateAllowedTools('a', ['Bash', 'Read'])
        await store.updateReaders('a', ['bob'])
        const a = await store.getSession('a')
        assert.deepEqual(
          { state: a?.state, config: a?.config, tools: a?.allowedTools, owner: a?.owner, readers: a?.readers },
          { state: 'idle', config: { model: 'other', permissionMode: 'plan' }, tools: ['Bash', 'Read'], owner: 'ann', readers: ['bob'] },
        )
        assert.equal(await store.getSession('missing'), undefined)
        assert.deepEqual((await store.listSessions()).map((s) => s.id).sort(), ['a', 'b'])
      }))

    it('numbers appends 1, 2, 3 per session and reads them back by cursor, limit and type', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('s'))
        assert.equal(await store.lastSeq('s'), 0)
        for (let i = 1; i <= 5; i++) assert.equal((await store.append('s', info(`m${i}`))).seq, i)
        await store.append('s', { type: 'session_state', state: 'idle' })
        assert.equal(await store.lastSeq('s'), 6)
        assert.deepEqual(seqs(await store.read('s', 2, 2)), [3, 4])
        assert.deepEqual(seqs(await store.read('s', 6, 10)), [])
        assert.deepEqual(seqs(await store.readTypes('s', ['session_state'], 0, 10)), [6])
        const [first] = await store.read('s', 0, 1)
        assert.deepEqual(JSON.parse(first!.text), { type: 'info', message: 'm1', source: 'server', seq: 1 })
        assert.ok(first!.at > 0 && first!.at <= Date.now())
        assert.equal(await store.lastSeq('other'), 0)
      }))

    it('reads a page no larger than its size cap, one event at least', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('big'))
        for (let i = 1; i <= 5; i++) await store.append('big', info(`${i}`.repeat(1000)))
        const chars = (await store.read('big', 0, 1))[0]!.text.length
        assert.deepEqual(seqs(await store.read('big', 0, 10, chars * 2)), [1, 2], 'two fill it')
        assert.deepEqual(seqs(await store.read('big', 0, 10, chars * 2 + 1)), [1, 2, 3], 'a third starts under it')
        assert.deepEqual(seqs(await store.read('big', 3, 10, 1)), [4], 'one at least')
        assert.deepEqual(seqs(await store.read('big', 0, 4, 1e9)), [1, 2, 3, 4], 'the limit still holds')
        assert.deepEqual(seqs(await store.read('big', 0, 10)), [1, 2, 3, 4, 5], 'no cap: as before')
      }))

    it("reads many sessions' last seqs at once: the same as one by one, 0 for none, odd ids kept apart", () =>
      using(factory, async ({ store }) => {
        const ids = ['x', 'y', 'odd id/\u0000é', 'empty']
        for (const id of ids) await store.insertSession(sessionRecord(id))
        await Promise.all([store.append('x', info('1')), store.append('x', info('2')), store.append('y', info('1'))])
        await store.append('odd id/\u0000é', info('1'))
        const all = await store.lastSeqsOf([...ids, 'never-made'])
        assert.deepEqual(Object.fromEntries(all), { x: 2, y: 1, 'odd id/\u0000é': 1, empty: 0, 'never-made': 0 })
        for (const id of ids) assert.equal(all.get(id), await store.lastSeq(id))
        assert.equal((await store.lastSeqsOf([])).size, 0)
      }))

    it('keeps every session gap-free and in call order under concurrent appends', () =>
      using(factory, async ({ store }) => {
        const ids = ['x', 'y', 'z']
        for (const id of ids) await store.insertSession(sessionRecord(id))
        const resolved = new Map<string, number[]>(ids.map((id) => [id, []]))
        const all: Array<Promise<StoredEvent>> = []
        for (let i = 0; i < 300; i++) {
          const id = ids[i % 3]!
          all.push(store.append(id, info(`${id}${i}`)).then((e) => (resolved.get(id)!.push(e.seq), e)))
          // Some in later ticks, while earlier writes are in flight.
          if (i % 50 === 49) await new Promise((r) => setImmediate(r))
        }
        await Promise.all(all)
        for (const id of ids) {
          const expected = Array.from({ length: 100 }, (_, k) => k + 1)
          assert.deepEqual(resolved.get(id), expected, `${id} resolved in order`)
          const stored = await store.read(id, 0, 1000)
          assert.deepEqual(seqs(stored), expected)
          assert.deepEqual(
            messages(stored),
            expected.map((k) => `${id}${(k - 1) * 3 + ids.indexOf(id)}`),
          )
        }
      }))

    it('tells observers of each event once it is durable, before the append resolves', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('o'))
        const seen: Array<[number, string]> = []
        const stop = store.observeAppends((event, frame) => seen.push([event.seq, frame.type]))
        const event = await store.append('o', info('x'))
        assert.deepEqual(seen, [[event.seq, 'info']])
        stop()
        await store.append('o', info('y'))
        assert.equal(seen.length, 1)
      }))

    it('deletes a session with its whole history; the id starts again at 1', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('d'))
        await store.append('d', info('old'))
        await store.rememberPrompt('d', 'u1')
        await store.deleteSession('d')
        assert.equal(await store.getSession('d'), undefined)
        assert.deepEqual(await store.read('d', 0, 10), [])
        assert.equal(await store.lastSeq('d'), 0)
        assert.equal(await store.hasPrompt('d', 'u1'), false)
        await store.insertSession(sessionRecord('d'))
        assert.equal((await store.append('d', info('new'))).seq, 1)
      }))

    it('remembers prompt uuids per session', () =>
      using(factory, async ({ store }) => {
        await store.insertSession(sessionRecord('p'))
        assert.equal(await store.rememberPrompt('p', 'u1'), true)
        assert.equal(await store.rememberPrompt('p', 'u1'), false)
        assert.equal(await store.hasPrompt('p', 'u1'), true)
        assert.equal(await store.hasPrompt('p', 'u2'), false)
        assert.equal(await store.hasPrompt('q', 'u1'), false)
      }))

    it('keeps the newest audit entries only, filtered and paged', () =>
      using(factory, async ({ store }) => {
        const entry = (n: number, principal: string, sessionId?: string) => ({
          at: 1000 + n,
          principal,
          action: 'exec',
          sessionId,
          remote: '127.0.0.1',
          detail: { n },
        })
        const ids: number[] = []
        // Two kept per principal: ann wrote 1, 3 and 5, bob 2 and 4.
        for (let n = 1; n <= 5; n++) ids.push((await store.appendAudit(entry(n, n % 2 ? 'ann' : 'bob', `s${n % 2}`), { keep: 2 })).id)
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
          'ids grow',
        )
        const all = await store.listAudit({ after: 0, limit: 100 })
        assert.deepEqual(
          all.map((e) => e.detail['n']),
          [2, 3, 4, 5],
          "ann's oldest went, none of bob's",
        )
        assert.deepEqual(all[0], { id: ids[1], ...entry(2, 'bob', 's0') })
        assert.deepEqual(
          (await store.listAudit({ after: 0, limit: 100, principal: 'ann' })).map((e) => e.detail['n']),
          [3, 5],
        )
        assert.deepEqual(
          (await store.listAudit({ after: ids[2]!, limit: 1, sessionId: 's0' })).map((e) => e.detail['n']),
          [4],
        )
        const bare = await store.appendAudit(
          { at: 1, principal: 'x', action: 'prompt', sessionId: undefined, remote: undefined, detail: {} },
          { keep: 4, total: 100 },
        )
        assert.deepEqual((await store.listAudit({ after: bare.id - 1, limit: 1 }))[0], bare)
      }))

    it('keeps run-time tokens by digest', () =>
      using(factory, async ({ store }) => {
        const token = {
          id: 'tok_1',
          label: 'ann',
          role: 'member' as const,
          digest: 'ab'.repeat(32),
          createdAt: '2026-01-01T00:00:00Z',
          createdBy: 'admin',
        }
        await store.insertToken(token)
        assert.deepEqual(await store.listTokens(), [token])
        assert.deepEqual(await store.findToken(token.digest), token)
        assert.equal(await store.findToken('cd'.repeat(32)), undefined)
        assert.equal(await store.deleteToken('tok_1'), true)
        assert.equal(await store.deleteToken('tok_1'), false)
        assert.equal(await store.findToken(token.digest), undefined)
      }))

    it('sums usage per session and principal, and keeps budgets', () =>
      using(factory, async ({ store }) => {
        const usage = { input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: 3, cache_read_input_tokens: 4 }
        const add = (conversationId: string, model: string, principal: string | null, costUsd: number) =>
          store.usage.add({ sessionId: `s-${conversationId}`, conversationId, principal, model, usage, costUsd })
        await add('c1', 'opus', 'ann', 0.5)
        await add('c1', 'opus', 'ann', 0.25)
        await add('c1', 'haiku', 'ann', 0.125)
        await add('c2', 'opus', null, 1)
        const byModel = await store.usage.bySession('c1')
        assert.deepEqual(byModel, [
          {
            model: 'haiku',
            requests: 1,
            input_tokens: 10,
            output_tokens: 2,
            cache_creation_input_tokens: 3,
            cache_read_input_tokens: 4,
            costUsd: 0.125,
          },
          {
            model: 'opus',
            requests: 2,
            input_tokens: 20,
            output_tokens: 4,
            cache_creation_input_tokens: 6,
            cache_read_input_tokens: 8,
            costUsd: 0.75,
          },
        ])
        assert.equal(await store.usage.sessionCost('c1'), 0.875)
        assert.equal(await store.usage.sessionCost('none'), 0)
        assert.deepEqual(await store.usage.byPrincipal('ann'), {
          requests: 3,
          input_tokens: 30,
          output_tokens: 6,
          cache_creation_input_tokens: 9,
          cache_read_input_tokens: 12,
          costUsd: 0.875,
        })
        assert.equal((await store.usage.byPrincipal('nobody')).requests, 0)
        assert.equal(await store.usage.principalCost('ann'), 0.875)
        assert.equal(await store.usage.budget('principal', 'bob'), undefined)
        await store.usage.setBudget('principal', 'bob', 5)
        await store.usage.setBudget('session', 'c1', null)
        await store.usage.setBudget('principal', 'bob', 2.5)
        assert.equal(await store.usage.budget('principal', 'bob'), 2.5)
        assert.equal(await store.usage.budget('session', 'c1'), null)
        assert.deepEqual(await store.usage.principals(), ['ann', 'bob'])
      }))

    it('keeps webhook deliveries and their attempts', () =>
      using(factory, async ({ store }) => {
        const { deliveries } = store
        const delivery = (id: string, seq: number, createdAt: number) => ({
          id,
          hook: 'h',
          event: 'session.error',
          sessionId: 's',
          seq,
          body: '{}',
          createdAt,
        })
        assert.equal(await deliveries.insertDelivery(delivery('d1', 1, 100)), true)
        assert.equal(await deliveries.insertDelivery(delivery('d1b', 1, 100)), false, 'the hook has that event already')
        assert.equal(await deliveries.insertDelivery(delivery('d2', 2, 200)), true)
        assert.deepEqual(await deliveries.pendingHooks(), ['h'])
        assert.equal(await deliveries.pendingCount(), 2)
        assert.equal(await deliveries.insertDelivery({ ...delivery('o1', 1, 50), hook: 'other' }), true)
        assert.deepEqual([...(await deliveries.pendingByHook())].sort(), [
          ['h', 2],
          ['other', 1],
        ])
        await deliveries.recordAttempt('o1', { attempt: 1, at: 150, statusCode: 200, error: null, retryAt: null }, 'delivered')
        await deliveries.recordAttempt('d1', { attempt: 1, at: 150, statusCode: 500, error: 'HTTP 500', retryAt: 300 }, 'pending')
        assert.deepEqual(
          (await deliveries.pending('h', 10)).map((d) => [d.id, d.attempts, d.nextAt]),
          [
            ['d2', 0, 200],
            ['d1', 1, 300],
          ],
        )
        await deliveries.recordAttempt('d1', { attempt: 2, at: 310, statusCode: 200, error: null, retryAt: null }, 'delivered')
        assert.equal(await deliveries.pendingCount(), 1)
        const [newest, oldest] = await deliveries.recent(10)
        assert.deepEqual([newest!.id, oldest!.id, oldest!.status, oldest!.nextAt, oldest!.lastError], ['d2', 'd1', 'delivered', null, null])
        assert.deepEqual(
          (await deliveries.attempts('d1')).map((a) => [a.attempt, a.statusCode, a.error, a.retryAt]),
          [
            [1, 500, 'HTTP 500', 300],
            [2, 200, null, null],
          ],
        )
        await deliveries.prune(1000)
        assert.deepEqual(
          (await deliveries.recent(10)).map((d) => d.id),
          ['d2'],
          'finished ones pruned, pending kept',
        )
        assert.deepEqual(await deliveries.attempts('d1'), [])
      }))

    it('keeps everything across a reopen, and goes on numbering where it stopped', () =>
      using(factory, async ({ store, reopen }, track) => {
        await store.insertSession(sessionRecord('r', { owner: 'ann' }))
        await store.append('r', info('one'))
        await store.append('r', info('two'))
        await store.rememberPrompt('r', 'u1')
        await store.appendAudit({ at: 1, principal: 'ann', action: 'prompt', sessionId: 'r', remote: undefined, detail: {} }, { keep: 10 })
        await store.usage.setBudget('principal', 'ann', 3)
        await store.close()
        const again = track(await reopen())
        assert.equal((await again.getSession('r'))?.owner, 'ann')
        assert.equal(await again.lastSeq('r'), 2)
        assert.equal((await again.append('r', info('three'))).seq, 3)
        assert.deepEqual(messages(await again.read('r', 0, 10)), ['one', 'two', 'three'])
        assert.equal(await again.hasPrompt('r', 'u1'), true)
        assert.equal((await again.listAudit({ after: 0, limit: 10 })).length, 1)
        assert.equal(await again.usage.budget('principal', 'ann'), 3)
      }))

    it('takes odd input as it is: NUL bytes, control characters, quotes, a large frame, odd ids', () =>
      using(factory, async ({ store }) => {
        const odd = `q'"; DROP TABLE events; --\u00e9\u{1F600}`
        await store.insertSession(sessionRecord(odd))
        const text = `a\u0000b\u0001\u001f\\u0000 "quoted" ${'x'.repeat(3 * 1024 * 1024)}`
        const event = await store.append(odd, info(text))
        const [back] = await store.read(odd, 0, 1)
        assert.equal(back!.text, event.text)
        assert.equal((JSON.parse(back!.text) as { message: string }).message, text)
        assert.equal(await store.rememberPrompt(odd, 'u\u0000v'), true)
        assert.equal(await store.hasPrompt(odd, 'u\u0000v'), true)
        assert.equal(await store.rememberPrompt(odd, 'u\u0000v'), false)
        await store.updateAllowedTools(odd, ['mcp__x\u0000y'])
        assert.deepEqual((await store.getSession(odd))?.allowedTools, ['mcp__x\u0000y'])
        assert.equal(await store.lastSeq(odd), 1)
        assert.deepEqual(await store.read('%', 0, 10), [], 'no pattern matching on ids')
      }))
  })
}
