// Two nodes' webhook dispatchers on one real PostgreSQL, the same hook, a real receiver on
// loopback: every pending delivery is sent by one node only, each try exactly once, retries
// included (the receiver fails each first try); and a node picks up what another node left
// pending (it stopped with its deliveries unsent).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { createLogger } from '../../src/logger.js'
import type { WebhookSettings } from '../../src/webhooks/config.js'
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js'

const SECRET = 'claims-test-secret-0123456789'
const logger = createLogger({ level: 'silent' })
let postgres: PostgresServer
let receiver: Receiver
before(async () => {
  postgres = await startPostgres()
  receiver = await startReceiver(SECRET, (a) => (a.attempt === 1 ? 500 : 200))
})
after(async () => {
  await receiver?.close()
  await postgres?.stop()
})

const settings = (): WebhookSettings => ({
  hooks: [{ id: 'h', url: `${receiver.url}/h`, secret: SECRET, events: ['session.error'] }],
  maxAttempts: 5,
  retryBaseMs: 20,
  retryMaxMs: 50,
  timeoutMs: 5_000,
  maxPending: 10_000,
})
const delivery = (seq: number) => ({
  id: `wh_${seq}`,
  hook: 'h',
  event: 'session.error',
  sessionId: 's',
  seq,
  body: JSON.stringify({ type: 'session.error', sessionId: 's', seq, at: new Date(0).toISOString(), data: {} }),
  createdAt: Date.now(),
})

/** Waits (30 s at most) until no delivery is pending. */
async function allSent(store: PostgresStore): Promise<void> {
  const deadline = Date.now() + 30_000
  while ((await store.deliveries.pendingCount()) > 0) {
    if (Date.now() > deadline) throw new Error(`still pending: ${await store.deliveries.pendingCount()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('webhook deliveries in a cluster', () => {
  it('two nodes never both send one delivery, nor one try of it', async () => {
    const url = await postgres.database()
    const [storeA, storeB] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)])
    const N = 40
    for (let seq = 1; seq <= N; seq++) assert.ok(await storeA.deliveries.insertDelivery(delivery(seq)))
    const open = (store: PostgresStore, node: string) =>
      WebhookDispatcher.open({ settings: settings(), log: store.deliveries, logger, scrub: (t) => t, claimer: node })
    const [a, b] = await Promise.all([open(storeA, 'a'), open(storeB, 'b')])
    receiver.arrivals.length = 0
    try {
      a.start()
      b.start()
      await allSent(storeA)
      const tries = new Map<string, number>()
      for (const { delivery: id, attempt } of receiver.arrivals) tries.set(`${id} #${attempt}`, (tries.get(`${id} #${attempt}`) ?? 0) + 1)
      const twice = [...tries].filter(([, n]) => n > 1).map(([key]) => key)
      assert.deepEqual(twice, [], 'no try arrived twice')
      assert.equal(tries.size, 2 * N, 'each delivery: its failed first try and its second')
      const recent = await storeB.deliveries.recent(N)
      assert.ok(recent.every((d) => d.status === 'delivered' && d.attempts === 2))
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await Promise.all([storeA.close(), storeB.close()])
    }
  })

  it('a node polling sends the deliveries another node left pending', async () => {
    const url = await postgres.database()
    const store = await PostgresStore.open(url)
    const b = await WebhookDispatcher.open({
      settings: settings(),
      log: store.deliveries,
      logger,
      scrub: (t) => t,
      claimer: 'b',
      pollMs: 200,
    })
    receiver.arrivals.length = 0
    try {
      b.start()
      // Left by a node that stopped: inserted behind b's back, b hears of no event.
      const other = await PostgresStore.open(url)
      await other.deliveries.insertDelivery(delivery(1))
      await other.close()
      await allSent(store)
      assert.deepEqual(
        receiver.arrivals.map((a) => `${a.delivery} #${a.attempt}`),
        ['wh_1 #1', 'wh_1 #2'],
      )
    } finally {
      await b.stop()
      await store.close()
    }
  })

  it("a node's queue bound counts what another node sent for it as done", async () => {
    const url = await postgres.database()
    const [storeA, storeB] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)])
    // Only B's tries succeed: the delivery A queued is ended by B (A's each failed try frees it).
    const hook = (node: string) => ({ id: 'h', url: `${receiver.url}/${node}`, secret: SECRET, events: ['session.error' as const] })
    receiver.plan = (arrival) => (arrival.path === '/b' ? 200 : 500)
    const open = (store: PostgresStore, node: string) =>
      WebhookDispatcher.open({
        settings: { ...settings(), hooks: [hook(node)], maxAttempts: 1000, maxPending: 1 },
        log: store.deliveries,
        logger,
        scrub: (t) => t,
        claimer: node,
        pollMs: 100,
      })
    const [a, b] = await Promise.all([open(storeA, 'a'), open(storeB, 'b')])
    receiver.arrivals.length = 0
    const error = (seq: number) => {
      const frame = { type: 'error' as const, code: 'TURN_FAILED' as const, error: `boom ${seq}` }
      a.observe({ sessionId: 's', seq, at: Date.now(), text: JSON.stringify({ ...frame, seq }) }, frame)
    }
    try {
      a.start()
      b.start()
      error(1)
      await receiver.next((r) => r.path === '/b' && r.json.seq === 1 && r.answer === 200)
      await allSent(storeA)
      // A reads its count again at its next poll: from then on it queues again (never, when it
      // counts seq 1 as its own pending forever). Events are made until one is delivered, bounded.
      const deadline = Date.now() + 20_000
      for (let seq = 2; !receiver.arrivals.some((r) => r.json.seq > 1 && r.answer === 200); seq++) {
        if (Date.now() > deadline) throw new Error('A queues nothing more: its bound still counts the delivery B sent')
        error(seq)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    } finally {
      receiver.plan = (a) => (a.attempt === 1 ? 500 : 200)
      await Promise.all([a.stop(), b.stop()])
      await Promise.all([storeA.close(), storeB.close()])
    }
  })
})
