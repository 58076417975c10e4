// In a cluster a token is revoked on one node, and its sockets and requests may be served by
// any other (a forwarded socket lives on the session's owner): the revoking node closes its
// own at once, and every node looks every SWEEP_MS for the tokens its live access was opened
// with that the shared store no longer has, and closes those. Only tokens in use are looked
// for, so an idle node queries nothing.
import type { TokenStore } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import type { LiveSockets } from './live-sockets.js'

/** How long a revoked token's access may outlive it on another node. */
export const SWEEP_MS = 2_000

/** Starts sweeping; the returned function stops it. */
export function sweepRevokedTokens(live: LiveSockets, store: TokenStore, logger: Logger, intervalMs = SWEEP_MS): () => void {
  let running = false
  const sweep = async () => {
    const inUse = live.tokenIds()
    if (inUse.size === 0) return
    const kept = new Set((await store.listTokens()).map((token) => token.id))
    for (const id of inUse) if (!kept.has(id)) live.revokeToken(id)
  }
  const timer = setInterval(() => {
    if (running) return
    running = true
    sweep()
      .catch((err: unknown) => logger.warn(`revoked tokens not swept: ${(err as Error).message}`))
      .finally(() => (running = false))
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
