// A COMMIT whose answer is lost (the connection drops while it is on its way) may have landed.
// The store must neither write it again (events twice, under new seqs; usage counted twice)
// nor report failed what did commit. A TCP proxy in front of a real PostgreSQL drops the
// connection at the first COMMIT it sees: after the server answered it (it committed), or
// before passing it on (it did not); or goes silent there, the server's side left open (a
// link that stops carrying anything: nobody can say how the transaction ends).
import assert from 'node:assert/strict'
import { createConnection } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ServerError } from '../../src/errors.js'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { tcpFront, type TcpFront } from '../helpers/tcp-front.js'
import { sessionRecord } from './contract.js'

type Cut = 'after-commit' | 'before-commit' | 'silent'

/** Forwards to `target`; `arm(cut)` drops the next connection that sends a COMMIT (or, `silent`,
 * stops carrying it until `close`). */
async function cuttingProxy(target: URL): Promise<TcpFront & { arm(cut: Cut): void; readonly cuts: number }> {
  let armed: Cut | undefined
  const state = { cuts: 0 }
  const front = await tcpFront((client, track) => {
    const upstream = createConnection(Number(target.port), target.hostname)
    track(upstream)
    let cutting = false
    let silent = false
    const cut = () => {
      state.cuts++
      client.destroy()
      upstream.destroy()
    }
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes('COMMIT\0')) {
        const how = armed
        armed = undefined
        if (how === 'before-commit') return cut()
        if (how === 'silent') silent = true
        else cutting = true // the answer is swallowed, then the connection dropped
      }
      if (!silent) upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => (cutting ? cut() : silent ? undefined : client.write(chunk)))
    const end = () => {
      client.destroy()
      // Silent: the server keeps the transaction open, as over a link that went dead.
      if (!silent) upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  return {
    ...front,
    arm: (cut) => (armed = cut),
    get cuts() {
      return state.cuts
    },
  }
}

let pg: PostgresServer
before(async () => {
  pg = await startPostgres()
})
after(async () => {
  await pg?.stop()
})

describe('a COMMIT whose answer is lost', () => {
  for (const cut of ['after-commit', 'before-commit'] as const) {
    it(`${cut}: the append is written once, reported written, and the next one follows it`, async () => {
      const database = await pg.database()
      const proxy = await cuttingProxy(new URL(database))
      const store = await PostgresStore.open(proxy.url(database))
      try {
        await store.insertSession(sessionRecord('s'))
        assert.equal((await store.append('s', { type: 'info', message: 'one', source: 'server' })).seq, 1)
        proxy.arm(cut)
        const second = await store.append('s', { type: 'info', message: 'two', source: 'server' })
        assert.equal(proxy.cuts, 1, 'the connection was dropped at the COMMIT')
        assert.equal(second.seq, 2)
        assert.equal((await store.append('s', { type: 'info', message: 'three', source: 'server' })).seq, 3)
        const events = await store.read('s', 0, 100)
        assert.deepEqual(
          events.map((e) => [e.seq, (JSON.parse(e.text) as { message: string }).message]),
          [
            [1, 'one'],
            [2, 'two'],
            [3, 'three'],
          ],
        )
      } finally {
        await store.close()
        proxy.close()
      }
    })
  }

  it('after-commit: a usage row is counted once', async () => {
    const database = await pg.database()
    const proxy = await cuttingProxy(new URL(database))
    const store = await PostgresStore.open(proxy.url(database))
    try {
      await store.insertSession(sessionRecord('s'))
      const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
      proxy.arm('after-commit')
      await store.usage.add({ sessionId: 's', conversationId: 'c', principal: null, model: 'm', usage, costUsd: 0.5 })
      assert.equal(proxy.cuts, 1)
      const [sums] = await store.usage.bySession('c')
      assert.equal(sums?.requests, 1)
      assert.equal(sums?.costUsd, 0.5)
    } finally {
      await store.close()
      proxy.close()
    }
  })

  it('silent at the COMMIT, its outcome unknowable: the write fails typed (STORE_FAILED), not as an unknown error', async () => {
    const database = await pg.database()
    const proxy = await cuttingProxy(new URL(database))
    const store = await PostgresStore.open(proxy.url(database), { queryTimeoutMs: 500 })
    try {
      await store.insertSession(sessionRecord('s'))
      assert.equal((await store.append('s', { type: 'info', message: 'one', source: 'server' })).seq, 1)
      proxy.arm('silent')
      const failed = await store.append('s', { type: 'info', message: 'two', source: 'server' }).then(
        () => undefined,
        (err: unknown) => err,
      )
      assert.ok(failed instanceof ServerError && failed.code === 'STORE_FAILED', `the append: ${String(failed)}`)
      // The link gone for good: the server ends the transaction it never saw committed.
      proxy.close()
      const again = await PostgresStore.open(database)
      try {
        assert.equal((await again.append('s', { type: 'info', message: 'three', source: 'server' })).seq, 2)
      } finally {
        await again.close()
      }
    } finally {
      await store.close()
      proxy.close()
    }
  })
})
