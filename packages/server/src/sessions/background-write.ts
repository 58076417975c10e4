// Writes a session makes without waiting on them (its state, its config, its allowed tools):
// the store keeps their order; a failure is logged and changes nothing in memory. In cluster
// mode each carries the session's lease: one refused because the lease moved stops the session here.
import type { AppendFence } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import { isLeaseLost } from '../cluster/fence.js'

/** The lease a session's writes are made under (cluster mode); none: unfenced. */
export interface SessionLease {
  fence?: (() => AppendFence | undefined) | undefined
  /** A write was refused because the lease moved: stop serving the session here. */
  leaseLost?: (() => void) | undefined
}

export function backgroundWrite(write: Promise<unknown>, logger: Logger, what: string, lease: SessionLease = {}): void {
  write.catch((err: unknown) => {
    if (isLeaseLost(err) && lease.leaseLost) {
      logger.warn(`could not store ${what}: its lease moved; the session stops here`)
      return lease.leaseLost()
    }
    logger.error(`could not store ${what}: ${err instanceof Error ? err.message : String(err)}`)
  })
}
