// How many long-lived connections a member or viewer may hold at once (MAX_SOCKETS_PER_PRINCIPAL):
// WebSockets (session sockets, file watches) and live lists (GET /sessions-live). Each one
// costs a descriptor and buffers, and past MAX_CONNECTIONS the server takes no connection from
// anyone, so one tenant's connections must not reach it. Admins are not counted.
import { ServerError } from '../errors.js'
import type { LiveSockets } from './live-sockets.js'
import type { Principal } from './principal.js'

/** Throws FORBIDDEN (`action: socket_limit`) when `principal` holds `max` already (0: no limit).
 * The caller adds its connection to `live` (`socket: true`) in the same synchronous step, so
 * connections racing each other see each other. */
export function checkSocketQuota(live: LiveSockets, principal: Principal, max: number): void {
  if (max === 0 || principal.role === 'admin') return
  const open = live.socketsOf(principal.id)
  if (open < max) return
  throw new ServerError('FORBIDDEN', `${principal.id} has as many WebSockets and live lists open as it may (${max}): close one first`, {
    action: 'socket_limit',
    limit: max,
    open,
  })
}
