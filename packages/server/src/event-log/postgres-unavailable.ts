// Which PostgreSQL failures mean "the database is not there" (refused, gone, or silent past
// DATABASE_QUERY_TIMEOUT_MS) rather than "this statement is wrong", and the typed error a
// client gets for them: 503 STORE_FAILED, retry later, instead of an INTERNAL 500 or an answer
// that never comes.
import { ServerError } from '../errors.js'

/** DATABASE_QUERY_TIMEOUT_MS's default: far above any query the store makes on a live database. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000

/** pg's own messages for a connection it lost, could not make, or gave up waiting on. */
const PG_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
]
const SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])
/** SQLSTATEs: the server shutting down or starting, statement_timeout's cancel, and a database
 * that takes no writes (read only: a demoted primary, or a managed one whose disk filled up). */
const SQL_STATES = new Set(['57P01', '57P02', '57P03', '57014', '25006'])
/** SQLSTATE classes: connection exceptions (08), insufficient resources (53: disk full, out of
 * memory, too many connections) and the server's system errors (58: an I/O error). */
const SQL_CLASSES = /^(08|53|58)[0-9A-Z]{3}$/

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (SYSTEM_CODES.has(code) || SQL_STATES.has(code) || SQL_CLASSES.test(code))) return true
  return PG_MESSAGES.some((message) => err.message.startsWith(message))
}

/** Whether the connection a failed query ran on can no longer be used: pg leaves a query it
 * timed out running on the connection, and the next one would wait behind it. */
export const isQueryTimeout = (err: unknown): boolean =>
  err instanceof Error && (err.message === 'Query read timeout' || (err instanceof ServerError && isQueryTimeout(err.cause)))

/** `err` as a client should see it: STORE_FAILED when the database is unavailable (the cause
 * kept for the log), otherwise unchanged. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof ServerError || !isUnavailable(err)) return err
  return new ServerError(
    'STORE_FAILED',
    "The server's database is unavailable (it refused, dropped or did not answer a query); retry shortly",
    undefined,
    {
      cause: err,
    },
  )
}
