// A COMMIT whose answer never came (the connection dropped while it was on its way) may have
// committed or not. Trying the writes again as if it had not would write them twice (events
// with new seqs, usage counted twice); reporting them failed would lose what did commit. The
// transaction's id answers it: PostgreSQL keeps every recent transaction's status.
import type pg from 'pg'
import { ServerError } from '../errors.js'
import { checkOut } from './postgres-pool.js'

/** The transaction's id, assigned at once (a write transaction takes one anyway). */
export async function beginWithId(client: pg.PoolClient): Promise<number> {
  const [, id] = (await client.query('BEGIN; SELECT txid_current() AS id')) as unknown as [pg.QueryResult, pg.QueryResult<{ id: number }>]
  return id.rows[0]!.id
}

export type CommitOutcome = 'committed' | 'aborted' | 'unknown'

const POLL_MS = 50
/** A backend whose client vanished mid-commit finishes it on its own within moments. */
const SETTLE_MS = 10_000

/** What became of transaction `id`, asked on another connection; `unknown` when the database
 * cannot say (unreachable). */
export async function commitOutcome(pool: pg.Pool, id: number): Promise<CommitOutcome> {
  const deadline = Date.now() + SETTLE_MS
  let out
  try {
    out = await checkOut(pool)
  } catch {
    return 'unknown'
  }
  try {
    for (;;) {
      const { rows } = await out.client.query<{ status: string | null }>('SELECT txid_status($1) AS status', [id])
      const status = rows[0]?.status
      if (status === 'committed') return 'committed'
      if (status === 'aborted') return 'aborted'
      // 'in progress': the old backend has not yet seen its client go.
      if (status !== 'in progress' || Date.now() > deadline) return 'unknown'
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  } catch {
    return 'unknown'
  } finally {
    out.release()
  }
}

/** A COMMIT that failed without saying how it ended. */
export class CommitInDoubt extends Error {
  constructor(
    readonly transactionId: number,
    /** What the group's writes returned before the COMMIT: theirs if it committed. */
    readonly values: unknown[],
    cause: unknown,
  ) {
    super(`the COMMIT of transaction ${transactionId} got no answer: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

/** What a caller hears of a write whose COMMIT went unanswered and was not settled as committed:
 * the database failed it (503, retry), not an unknown error (an INTERNAL 500). */
export function inDoubtFailure(err: CommitInDoubt): ServerError {
  return new ServerError(
    'STORE_FAILED',
    "The server's database did not confirm the write (its COMMIT went unanswered); it may not have been recorded",
    undefined,
    { cause: err },
  )
}
