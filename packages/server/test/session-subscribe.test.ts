// session.subscribe owns the hand-off from replay to live: a subscriber that asks for history
// gets every seq after its cursor exactly once, in order, while live events keep arriving at any
// point of a paced replay. Real SessionManager, real SQLite file; no agent is started.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StoredEvent } from '../src/event-log/event-log.js'
import { claudeSdkAgentFactory, createLogger, NoSandbox, SessionManager, settingsFromEnv, SqliteStore } from '../src/index.js'
import type { Session, Subscriber } from '../src/sessions/session.js'
import { managerOn } from './helpers/session-manager.js'

const note = (session: Session, i: number) => session.record({ type: 'info', message: `note ${i}`, source: 'server' })
/** `count` notes from `from` on, once all are logged and sent. */
const notes = (session: Session, count: number, from = 0) => Promise.all(Array.from({ length: count }, (_, i) => note(session, from + i)))

/** Resolves once `check` holds, re-checked after every event loop turn. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r))
}

function consecutive(seqs: number[], from: number, to: number): void {
  assert.deepEqual(
    seqs,
    Array.from({ length: to - from + 1 }, (_, i) => from + i),
  )
}

describe('session.subscribe', () => {
  let dir: string
  let store: SqliteStore
  let manager: SessionManager
  let counter = 0
  const fresh = () => manager.create({ id: `s${++counter}` })

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-subscribe-'))
    const settings = settingsFromEnv({ DATA_DIR: join(dir, 'data'), WORKSPACE_DIR: join(dir, 'workspace') })
    const logger = createLogger({ level: 'silent' })
    store = new SqliteStore(join(dir, 'events.db'))
    manager = await SessionManager.open({
      settings,
      agents: claudeSdkAgentFactory,
      store,
      logger,
      scrub: (t) => t,
      sandbox: new NoSandbox(logger),
    })
  })
  after(async () => {
    await manager.shutdown(0)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('replays in pages, paced by the subscriber, then goes live without a gap or a repeat', async () => {
    const session = await fresh()
    await notes(session, 2_500)
    const start = 10
    const seqs: number[] = []
    let opened: { after: number; lastSeq: number } | undefined
    let live = 0
    const subscriber: Subscriber = {
      opened: (cursor) => (opened = cursor),
      deliver: (event: StoredEvent) => seqs.push(event.seq),
      // Full after every 97 events: live events arrive while it waits.
      hasRoom: () => seqs.length % 97 !== 0,
      waitForRoom: async () => {
        for (let i = 0; i < 3; i++) void note(session, 10_000 + live++)
        await new Promise((r) => setImmediate(r))
        return true
      },
    }
    const lastSeq = session.lastSeq
    const subscription = session.subscribe(subscriber, { after: start })
    assert.deepEqual(opened, { after: start, lastSeq })
    await until(() => seqs.length > 0 && seqs.at(-1) === session.lastSeq && live > 0)
    await notes(session, 5, 20_000)
    consecutive(seqs, start + 1, session.lastSeq)
    assert.ok(live >= 20, `live events arrived during the replay (${live})`)
    assert.equal(session.info().clients, 1)
    subscription.close()
    assert.equal(session.info().clients, 0)
    await note(session, 30_000)
    assert.equal(seqs.at(-1), session.lastSeq - 1, 'nothing after close')
  })

  it('replays a history of large events in pages cut by size, none lost', async () => {
    const session = await fresh()
    // 12 MiB: more than one page's PAGE_MAX_SIZE, in far fewer events than a page's count.
    const big = 'x'.repeat(1024 * 1024)
    await Promise.all(Array.from({ length: 12 }, (_, i) => session.record({ type: 'info', message: `${i}${big}`, source: 'server' })))
    const seqs: number[] = []
    session.subscribe({ deliver: (event) => seqs.push(event.seq) }, { after: 0 })
    for (let i = 0; i < 500 && seqs.length < 12; i++) await new Promise((r) => setTimeout(r, 10))
    consecutive(seqs, 1, 12)
  })

  it('a live-only subscriber starts at the last seq', async () => {
    const session = await fresh()
    await notes(session, 5)
    const seqs: number[] = []
    let opened: { after: number; lastSeq: number } | undefined
    const subscription = session.subscribe({ opened: (c) => (opened = c), deliver: (e) => seqs.push(e.seq) })
    assert.deepEqual(opened, { after: session.lastSeq, lastSeq: session.lastSeq })
    await note(session, 5)
    consecutive(seqs, session.lastSeq, session.lastSeq)
    subscription.close()
  })

  it('a subscriber that leaves during the replay gets nothing more', async () => {
    const session = await fresh()
    await notes(session, 1_500)
    const seqs: number[] = []
    let waited = false
    session.subscribe(
      {
        deliver: (e) => seqs.push(e.seq),
        hasRoom: () => seqs.length < 300,
        waitForRoom: async () => {
          waited = true
          return false
        },
      },
      { after: 0 },
    )
    await until(() => waited)
    await note(session, 2_000)
    await new Promise((r) => setTimeout(r, 20))
    consecutive(seqs, 1, 300)
  })

  it('tells a replaying subscriber that lets live events pile up that it fell behind', async () => {
    const session = await fresh()
    await note(session, 0)
    let behind = 0
    let release: (room: boolean) => void = () => undefined
    session.subscribe(
      {
        deliver: () => undefined,
        hasRoom: () => false,
        waitForRoom: () => new Promise<boolean>((resolve) => (release = resolve)),
        fellBehind: () => behind++,
      },
      { after: 0 },
    )
    await notes(session, 10_001)
    assert.ok(behind > 0)
    release(false)
  })

  it('sends an event the store could not record to no one; live subscribers hear STORE_FAILED', async () => {
    const failing = new SqliteStore(join(dir, 'failing.db'))
    const other = await managerOn(failing, join(dir, 'failing'))
    const session = await other.create({ id: 'failing' })
    const delivered: number[] = []
    const notices: string[] = []
    session.subscribe({ deliver: (e) => delivered.push(e.seq), deliverNotice: (text) => notices.push(text) })
    await note(session, 1)
    await failing.close()
    assert.equal(await note(session, 2), undefined)
    assert.deepEqual(delivered, [1])
    assert.equal(session.lastSeq, 1)
    assert.equal(notices.length, 1)
    const notice = JSON.parse(notices[0]!) as Record<string, unknown>
    assert.equal(notice['code'], 'STORE_FAILED')
    assert.equal(notice['seq'], undefined)
    await other.shutdown(0)
  })

  it('tells a subscriber whose history the store cannot read, so it reconnects instead of waiting', async () => {
    const failing = new SqliteStore(join(dir, 'unreadable.db'))
    const other = await managerOn(failing, join(dir, 'unreadable'))
    const session = await other.create({ id: 'unreadable' })
    await notes(session, 3)
    await failing.close()
    const ended: string[] = []
    session.subscribe({ deliver: () => undefined, ended: (code) => ended.push(code) }, { after: 0 })
    for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(ended, ['STORE_FAILED'], 'not left attached with nothing ever coming')
    assert.equal(session.info().clients, 0)
    await other.shutdown(0)
  })

  it('ends every subscriber when the session is deleted', async () => {
    const session = await fresh()
    const ended: string[] = []
    session.subscribe({ deliver: () => undefined, ended: (code) => ended.push(code) })
    await manager.delete(session.id)
    assert.deepEqual(ended, ['SESSION_NOT_FOUND'])
    assert.equal(session.info().clients, 0)
  })
})
