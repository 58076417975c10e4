// The fence every write of an owned session carries: the lease it was made under. The
// PostgreSQL store adds `leaseHeld` to the statement that writes, so the check and the write
// are one statement: a node whose lease moved (it was paused, partitioned, presumed dead)
// writes nothing, however late it wakes. FOR SHARE holds the lease row until the write
// commits, so a node taking the lease over waits for it and then sees the row.
import { ServerError } from '../errors.js'

/** The lease a write is made under: this node, at this epoch. */
export interface Fence {
  node: string
  epoch: number
}

/** A SQL condition, true while `fence` still holds the session's lease. `$session`, `$node`
 * and `$epoch` are the placeholders (e.g. `$1`) of the session id, fence.node and fence.epoch. */
export function leaseHeld(session: string, node: string, epoch: string): string {
  return (
    `EXISTS (SELECT 1 FROM session_leases WHERE session_id = ${session} AND node = ${node}` +
    ` AND epoch = ${epoch} AND expires_at > now() FOR SHARE)`
  )
}

/** What a fenced write that changed nothing throws: the session stops on this node. */
export function leaseLost(sessionId: string, fence: Fence): ServerError {
  return new ServerError('LEASE_LOST', `Session "${sessionId}" is no longer owned by node "${fence.node}" (epoch ${fence.epoch})`, {
    sessionId,
  })
}

export const isLeaseLost = (err: unknown): boolean => err instanceof ServerError && err.code === 'LEASE_LOST'

/** The PostgreSQL store's multi-row event INSERT with each row's fence checked in the same
 * statement: $1..$5 the rows (session_id, seq, at, type, frame), $6/$7 each row's fence node
 * and epoch (null: unfenced). Fewer rows inserted than given: a fence failed. */
export const FENCED_EVENTS_INSERT = `INSERT INTO events (session_id, seq, at, type, frame)
  SELECT e.session_id, e.seq, e.at, e.type, e.frame
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    AS e(session_id, seq, at, type, frame, node, epoch)
  WHERE e.node IS NULL OR ${leaseHeld('e.session_id', 'e.node', 'e.epoch')}`
