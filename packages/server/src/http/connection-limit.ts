// At most so many client connections at once. Every socket is a file descriptor, and the
// server needs descriptors of its own: SQLite's files, each session's pipes to its CLI and the
// gateway's sockets. Without a cap a flood of idle connections (no token needed to open one)
// takes the process to its open-file limit, where new sessions and writes fail (EMFILE); with
// it, Node closes each connection past the cap as it comes and the server's own work goes on.
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Logger } from '../logger.js'
import { connectionDropped } from '../metrics/metrics.js'

/** The process's soft open-file limit (Linux: /proc/self/limits); undefined when unknown or unlimited. */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync(limits, 'utf8'))
    const soft = line ? Number(line[1]) : NaN
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined
  } catch {
    return undefined
  }
}

/** MAX_CONNECTIONS' default: three quarters of the open-file limit, the rest the server's own. */
export function defaultMaxConnections(fileLimit: number | undefined): number | undefined {
  return fileLimit === undefined ? undefined : Math.max(64, Math.floor((fileLimit * 3) / 4))
}

const WARN_EVERY_MS = 60_000

/** Caps `server`'s connections at `max`, counting and (once a minute at most) logging the ones dropped. */
export function limitConnections(server: Server, max: number | undefined, logger: Logger): void {
  if (max === undefined) return
  server.maxConnections = max
  let warnedAt = -Infinity
  let dropped = 0
  server.on('drop', () => {
    connectionDropped()
    dropped++
    if (Date.now() - warnedAt < WARN_EVERY_MS) return
    warnedAt = Date.now()
    logger.warn(`connection limit reached (MAX_CONNECTIONS ${max}): ${dropped} connection(s) refused so far`)
  })
}
