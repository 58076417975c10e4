// A connection pooler in front of PostgreSQL (PgBouncer, Neon's) refuses a connection whose
// startup message carries a parameter it does not know: "unsupported startup parameter:
// statement_timeout". The store must still open through one, and the database still cancel a
// statement that runs past DATABASE_QUERY_TIMEOUT_MS (and, in a cluster, end a connection
// idle inside a transaction). A TCP proxy that answers as PgBouncer does by default stands in
// for the pooler, in front of a real PostgreSQL.
import assert from 'node:assert/strict'
import { createConnection } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { poolFor } from '../../src/event-log/postgres-pool.js'
import { PostgresStore } from '../../src/event-log/postgres-store.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { tcpFront, type TcpFront } from '../helpers/tcp-front.js'
import { sessionRecord } from './contract.js'

/** PgBouncer's default: these and no other startup parameters (ignore_startup_parameters unset). */
const KNOWN = new Set(['user', 'database', 'application_name', 'client_encoding', 'datestyle', 'timezone', 'standard_conforming_strings'])

/** The startup message's parameters (protocol 3: length, version, then name/value pairs). */
function startupParameters(message: Buffer): string[] {
  const fields = message.subarray(8).toString('utf8').split('\0')
  const names: string[] = []
  for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) names.push(fields[i]!)
  return names
}

/** An ErrorResponse as the pooler sends it, then the connection closes. */
function fatal(code: string, message: string): Buffer {
  const body = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`)
  const head = Buffer.alloc(5)
  head.write('E', 0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

async function poolerProxy(target: URL): Promise<TcpFront & { refused: string[] }> {
  const refused: string[] = []
  const front = await tcpFront((client, track) => {
    let buffered = Buffer.alloc(0)
    const first = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return
      client.off('data', first)
      const unknown = startupParameters(buffered).find((name) => !KNOWN.has(name.toLowerCase()))
      if (unknown) {
        refused.push(unknown)
        client.end(fatal('08P01', `unsupported startup parameter: ${unknown}`))
        return
      }
      const upstream = createConnection(Number(target.port), target.hostname)
      track(upstream)
      upstream.write(buffered)
      client.pipe(upstream).pipe(client)
      const end = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', end).on('close', end)
      upstream.on('error', end).on('close', end)
    }
    client.on('data', first)
    client.on('error', () => client.destroy())
  })
  return { ...front, refused }
}

let pg: PostgresServer
before(async () => {
  pg = await startPostgres()
})
after(async () => {
  await pg?.stop()
})

describe('PostgreSQL behind a connection pooler', () => {
  it('the store opens, writes and reads through it', async () => {
    const database = await pg.database()
    const proxy = await poolerProxy(new URL(database))
    try {
      const store = await PostgresStore.open(proxy.url(database), { queryTimeoutMs: 5_000, idleInTransactionMs: 15_000 })
      try {
        await store.insertSession(sessionRecord('s'))
        assert.equal((await store.append('s', { type: 'info', message: 'one', source: 'server' })).seq, 1)
        assert.equal((await store.read('s', 0, 10)).length, 1)
      } finally {
        await store.close()
      }
      assert.deepEqual(proxy.refused, [], 'no connection was refused')
    } finally {
      proxy.close()
    }
  })

  it("the database still applies the store's timeouts to each connection", async () => {
    const database = await pg.database()
    const proxy = await poolerProxy(new URL(database))
    const pool = poolFor(proxy.url(database), { queryTimeoutMs: 5_000, idleInTransactionMs: 15_000 })
    try {
      const shown = await Promise.all(
        ['statement_timeout', 'idle_in_transaction_session_timeout'].map(async (name) => (await pool.query(`SHOW ${name}`)).rows[0]),
      )
      assert.deepEqual(shown, [{ statement_timeout: '5s' }, { idle_in_transaction_session_timeout: '15s' }])
    } finally {
      await pool.end()
      proxy.close()
    }
  })
})
