// The pg Pool the PostgreSQL store runs on: BIGINT columns (epoch milliseconds, seqs, counts)
// read as numbers, which they fit (below 2^53).
import pg from 'pg'
import { asStoreError, DEFAULT_QUERY_TIMEOUT_MS, isQueryTimeout } from './postgres-unavailable.js'

const INT8 = 20

export interface PoolOptions {
  /** Ends a connection left idle inside a transaction this long (ms). A node paused mid-write
   * (SIGSTOP, a stalled VM) would otherwise hold its row locks, the lease row's among them,
   * until it runs again: no other node could take its sessions over or write theirs. */
  idleInTransactionMs?: number | undefined
  /** A query unanswered this long fails (STORE_FAILED) and its connection is dropped, and the
   * server cancels a statement running this long (DATABASE_QUERY_TIMEOUT_MS): a database
   * that stops answering would otherwise hold every request and write on it forever. */
  queryTimeoutMs?: number | undefined
  /** Connections at most. @default 10 */
  max?: number
  /** An idle connection's error (the database restarted): the pool replaces the connection. */
  onIdleError?: (err: Error) => void
}

const CONNECT_TIMEOUT_MS = 10_000

export function poolFor(url: string, options: PoolOptions = {}): pg.Pool {
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const sessionSettings = [
    ...(queryTimeoutMs > 0 ? [`SET statement_timeout = ${queryTimeoutMs}`] : []),
    ...(options.idleInTransactionMs !== undefined ? [`SET idle_in_transaction_session_timeout = ${options.idleInTransactionMs}`] : []),
  ]
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A query that needs a new connection waits no longer for it than for an answer.
    connectionTimeoutMillis: queryTimeoutMs > 0 ? Math.min(CONNECT_TIMEOUT_MS, queryTimeoutMs) : CONNECT_TIMEOUT_MS,
    query_timeout: queryTimeoutMs,
    // The server's own timeouts are SET once connected, not sent as startup parameters: a
    // pooler in front (PgBouncer, Neon's) refuses the connection for a startup parameter it
    // does not know ("unsupported startup parameter: statement_timeout").
    // pg-pool waits for the hook's promise before it hands the connection out (ending it when
    // it fails); its types say void.
    ...(sessionSettings.length > 0 && {
      onConnect: ((client: pg.ClientBase) => client.query(sessionSettings.join('; '))) as unknown as (client: pg.ClientBase) => void,
    }),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client's connection dropped (the server restarted): the pool replaces it; not a crash.
  pool.on('error', (err) => options.onIdleError?.(err))
  // Every read through the pool fails typed when the database is unavailable (pg-pool drops
  // the connection of a query that failed).
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
  pool.query = ((...args: unknown[]) => {
    if (typeof args.at(-1) === 'function') return query(...args)
    return query(...args).catch((err: unknown) => {
      throw asStoreError(err)
    })
  }) as typeof pool.query
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
  // A query pg timed out still runs on this connection: the next would wait behind it.
  const query = client.query
  client.query = ((...args: unknown[]) => {
    const result = (query as (...args: unknown[]) => unknown).apply(client, args)
    if (!(result instanceof Promise)) return result
    return result.catch((err: unknown) => {
      if (isQueryTimeout(err)) lost = true
      throw asStoreError(err)
    })
  }) as typeof client.query
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
      client.query = query
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
    if (!out.lost) await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    out.release()
  }
}
