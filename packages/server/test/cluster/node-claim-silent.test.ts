// The node's claim on its CLUSTER_NODE_ID (cluster/node-claim.ts) when the database stops
// answering in the middle of it: a real PostgreSQL behind a TCP front that passes everything
// until the lock query, then holds that query (the database silent, not down). Taking the id
// fails within about DATABASE_QUERY_TIMEOUT_MS instead of holding the node's start forever,
// and a node whose claim connection dropped takes the id back past a lock query that hangs.
import assert from 'node:assert/strict'
import { createConnection } from 'node:net'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { NodeClaim } from '../../src/cluster/node-claim.js'
import { createLogger } from '../../src/logger.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { tcpFront, type TcpFront } from '../helpers/tcp-front.js'
import { within } from '../helpers/within.js'

const QUERY_TIMEOUT_MS = 500
const LEASE_MS = 1000
/** A liveness bound, far above what the timeout makes the claim take. */
const BOUND_MS = 20_000

let postgres: PostgresServer
let database: string
let front: TcpFront
/** Connections through the front whose lock query is held (numbered from 1). */
const silentOn = new Set<number>()
let connections = 0

before(async () => {
  postgres = await startPostgres()
  database = await postgres.database()
  const target = new URL(database)
  front = await tcpFront((client, track) => {
    const number = ++connections
    const upstream = createConnection(Number(target.port), target.hostname)
    track(upstream)
    upstream.pipe(client)
    client.on('data', (chunk: Buffer) => {
      if (silentOn.has(number) && chunk.includes('pg_try_advisory_lock')) return // held: never forwarded
      upstream.write(chunk)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
})
after(async () => {
  front?.close()
  await postgres?.stop()
})

const lines: string[] = []
const logger = createLogger({ level: 'info', format: 'json', write: (line) => lines.push(line) })

describe('the node claim when the database stops answering', () => {
  it('fails to take the id within the query timeout instead of waiting forever', async () => {
    silentOn.add(connections + 1)
    await assert.rejects(
      within(BOUND_MS, 'NodeClaim.take', NodeClaim.take(front.url(database), 'silent-start', LEASE_MS, logger, QUERY_TIMEOUT_MS)),
      (err: Error) => /timeout/i.test(err.message),
    )
  })

  it('takes the id back after its connection dropped, past a lock query that hangs', async () => {
    const claim = await NodeClaim.take(front.url(database), 'silent-again', LEASE_MS, logger, QUERY_TIMEOUT_MS)
    try {
      // The next connection (the first attempt to take the id back) hangs on its lock query.
      silentOn.add(connections + 1)
      const admin = new pg.Client({ connectionString: database })
      await admin.connect()
      try {
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()",
        )
        assert.ok(rowCount && rowCount > 0, 'the claim held its lock')
        const deadline = Date.now() + BOUND_MS
        while (!lines.some((line) => line.includes('holding CLUSTER_NODE_ID \\"silent-again\\" again'))) {
          if (Date.now() > deadline) throw new Error(`the id was never taken back: ${lines.join('\n')}`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")
        assert.equal(rows[0]!.n, 1, 'the id is held again')
      } finally {
        await admin.end()
      }
    } finally {
      await claim.close()
    }
  })
})
