// Ctrl-C and SIGTERM: the first one shuts down gracefully (running turns get their grace), a
// second one forces. The CLI processes run in their own process groups (agent/claude-sdk.ts),
// so a terminal's Ctrl-C reaches only the server, which then stops them in order.
import type { Logger } from './logger.js'

export interface ShutdownHandlers {
  /** The graceful stop; the process exits 0 when it resolves. */
  graceful(signal: NodeJS.Signals): Promise<void>
  /** A second signal while stopping: record and kill what runs, synchronously. */
  force(signal: NodeJS.Signals): void
  logger: Logger
}

const EXIT_CODE: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

export function handleShutdownSignals(handlers: ShutdownHandlers, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      handlers.logger.warn(`${signal} again: stopping now, without waiting for running turns`)
      try {
        handlers.force(signal)
      } finally {
        process.exit(EXIT_CODE[signal] ?? 1)
      }
      return
    }
    stopping = true
    handlers
      .graceful(signal)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        handlers.logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`)
        process.exit(1)
      })
  }
  for (const signal of signals) process.on(signal, onSignal)
}
