// The pg Pool the PostgreSQL store runs on: BIGINT columns (epoch milliseconds, seqs, counts)
// read as numbers, which they fit (below 2^53).
import pg from 'pg'

const INT8 = 20

export function poolFor(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
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

/** Runs `work` in one transaction holding advisory lock `key`, so nodes starting together take
 * turns (schema changes); rolled back on any error. */
export async function underLock<T>(pool: pg.Pool, key: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
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
    client.release()
  }
}
