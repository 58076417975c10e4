// Writes a session makes without waiting on them (its state, its config, its allowed tools):
// the store keeps their order; a failure is logged and changes nothing in memory.
import type { Logger } from '../logger.js'

export function backgroundWrite(write: Promise<unknown>, logger: Logger, what: string): void {
  write.catch((err: unknown) => logger.error(`could not store ${what}: ${err instanceof Error ? err.message : String(err)}`))
}
