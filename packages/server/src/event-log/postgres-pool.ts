// The pg Pool the PostgreSQL store runs on: BIGINT columns (epoch milliseconds, seqs, counts)
// read as numbers, which they fit (below 2^53).
import pg from 'pg'

const INT8 = 20

export interface PoolOptions {
  /** Ends a connection left idle inside a transaction this long (ms). A node paused mid-write
   * (SIGSTOP, a stalled VM) would otherwise hold its row locks, the lease row's among them,
   * until it runs again: no other node could take its sessions over or write theirs. */
  idleInTransactionMs?: number | undefined
}

export function poolFor(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    ...(options.idleInTransactionMs !== undefined && { idle_in_transaction_session_timeout: options.idleInTransactionMs }),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client's connection dropped (the server restarted): the pool replaces it; not a crash.
  pool.on('error', () => {})
  return pool
}

/** PostgreSQL's TEXT holds no NUL: it is stored as U+FFFD (the same on the way in and in a lookup). */
export const pgText = (text: string): string => (text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text)

/** The server a URL names, for messages: host, port and database, never the password. */
export function where(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`
  } catch {
    return '(an unparsable DATABASE_URL)'
  }
}

/** A client checked out of the pool, heard while out. pg emits 'error' on a checked-out
 * client whose connection the server ended between two queries (idle in a transaction too
 * long, a restart); unheard, that event ends the process. Heard, the next query fails, and
 * the client goes back to the pool as broken (the pool ends it). */
export interface CheckedOut {
  client: pg.PoolClient
  /** Whether the server ended this connection meanwhile. */
  readonly lost: boolean
  /** Back to the pool (ended there when broken or lost); later calls do nothing. */
  release(broken?: boolean): void
}

export async function checkOut(pool: pg.Pool): Promise<CheckedOut> {
  const client = await pool.connect()
  let lost = false
  let released = false
  const heard = () => (lost = true)
  client.on('error', heard)
  return {
    client,
    get lost() {
      return lost
    },
    // Once: pg throws on a second release, and a path that swaps in a fresh client may end
    // before its `finally` knows which one it holds.
    release(broken = false) {
      if (released) return
      released = true
      client.off('error', heard)
      client.release(broken || lost)
    },
  }
}

/** Runs `work` in one transaction holding advisory lock `key`, so nodes starting together take
 * turns (schema changes); rolled back on any error. */
export async function underLock<T>(pool: pg.Pool, key: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const out = await checkOut(pool)
  const { client } = out
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [key])
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    out.release()
  }
}
