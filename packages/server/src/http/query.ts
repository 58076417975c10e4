// Query parameters shared by HTTP routes and WebSocket upgrades, each refused with a typed
// error naming the parameter.
import { DEFAULT_PAGE, MAX_PAGE } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'

/** A boolean query flag: absent, `1`/`true`, or `0`/`false`. */
export function parseFlag(name: string, raw: string | null): boolean | undefined {
  if (raw === null) return undefined
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new ServerError('INVALID_REQUEST', `${name} must be 1, true, 0 or false`, { issues: [{ path: name, message: 'boolean flag' }] })
}

/** What a number in a query may look like. */
const DECIMAL = /^\d{1,16}$/

/** The replay cursor: absent (live only) or an integer in 0..lastSeq. */
export function parseCursor(raw: string | null, lastSeq: number): number | undefined {
  if (raw === null) return undefined
  // Decimal digits only: Number() would also take " 5", "0x10" and "1e1".
  const after = DECIMAL.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isInteger(after) || after > lastSeq) {
    throw new ServerError('INVALID_CURSOR', `after must be an integer from 0 to ${lastSeq}, got "${raw.slice(0, 32)}"`, { lastSeq })
  }
  return after
}

/** A page size: absent (the default) or an integer in 1..MAX_PAGE. */
export function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE
  const limit = DECIMAL.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ServerError('INVALID_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE}`, {
      issues: [{ path: 'limit', message: `integer from 1 to ${MAX_PAGE}` }],
    })
  }
  return limit
}
