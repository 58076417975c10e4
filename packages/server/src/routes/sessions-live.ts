// The sessions list, live (GET /sessions-live): NDJSON, the whole list the caller may read
// first, then again each time a session changes (its state, clients, last event; created,
// deleted). Changes within a short window leave as one line, and a line equal to the last
// one sent is not sent again, so a busy session costs its watchers little. A whole list per
// line, not a diff: a client that drops and comes back needs no cursor to be right again.
// In a cluster the list is every node's (as GET /sessions), pushed again when another node
// says its sessions changed (cluster/session-changes.ts).
import { PassThrough } from 'node:stream'
import type { LiveSession, SessionsLiveLine } from '@claude-agent/protocol'
import type { EventLog } from '../event-log/event-log.js'
import type { RouteModule } from '../http/http-app.js'
import { streamResponse } from '../http/stream.js'
import type { Logger } from '../logger.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { SessionAccess } from '../tenancy/access.js'
import { can } from '../tenancy/access.js'
import { principalOf } from '../tenancy/http-gate.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'
import { checkSocketQuota } from '../tenancy/socket-quota.js'

/** Changes this close together leave as one line. */
const COALESCE_MS = 100
/** A list the store could not give is tried again this soon. */
const RETRY_MS = 1000
/** An idle stream says `ping` this often, so proxies keep it open. */
const PING_MS = 25_000

/** When each session's log last grew, read once per seq. */
class LastEventTimes {
  private readonly known = new Map<string, { seq: number; at: string | undefined }>()
  constructor(private readonly log: EventLog) {}

  async of(id: string, lastSeq: number): Promise<string | undefined> {
    const cached = this.known.get(id)
    if (cached?.seq === lastSeq) return cached.at
    const event = lastSeq > 0 ? (await this.log.read(id, lastSeq - 1, 1))[0] : undefined
    const at = event ? new Date(event.at).toISOString() : undefined
    this.known.set(id, { seq: lastSeq, at })
    return at
  }
}

export interface SessionsLiveOptions {
  sessions: SessionManager
  log: EventLog
  /** A revoked token's or an expired JWT's stream ends, as its sockets close. */
  live: LiveSockets
  logger: Logger
  /** Live lists and WebSockets a member or viewer may hold open at once (MAX_SOCKETS_PER_PRINCIPAL); 0: no limit. */
  maxSocketsPerPrincipal: number
  /** Cluster mode: another node's sessions changed (the list is every node's, from the store). */
  changedElsewhere?: (listener: () => void) => () => void
}

/** Says once that lists cannot be built (the store is down: every change of every stream would
 *  fail the same way, several times a second), and once that they can again. */
class ListFailures {
  private failing = false
  constructor(private readonly logger: Logger) {}

  failed(err: unknown): void {
    if (this.failing) return this.logger.debug('sessions list not sent', { err })
    this.failing = true
    this.logger.warn('sessions list not sent (further failures are logged at debug until one is sent)', { err })
  }

  sent(): void {
    if (!this.failing) return
    this.failing = false
    this.logger.info('sessions list sent again')
  }
}

export function sessionsLiveRoutes({
  sessions,
  log,
  live,
  logger,
  changedElsewhere,
  maxSocketsPerPrincipal,
}: SessionsLiveOptions): RouteModule {
  const times = new LastEventTimes(log)
  const failures = new ListFailures(logger)
  const liveList = async (visible: (s: SessionAccess) => boolean): Promise<LiveSession[]> =>
    Promise.all(
      (await sessions.listAll())
        .filter((s) => visible(s.access))
        .map(async (s) => {
          const info = s.info()
          const lastEventAt = await times.of(info.id, info.lastSeq)
          return lastEventAt ? { ...info, lastEventAt } : info
        }),
    )
  return (app) => {
    app.get('/sessions-live', async (c) => {
      const principal = principalOf(c)
      const once = c.req.query('once') === '1'
      // A stream held open is a connection held as a WebSocket is: counted with them. Checked
      // here and added below in the same synchronous step, so lists racing each other see each other.
      if (!once) checkSocketQuota(live, principal, maxSocketsPerPrincipal)
      const visible = (s: SessionAccess) => can(principal, 'session.read', s) === 'allow'
      const listLine = async (): Promise<string> => {
        const line: SessionsLiveLine = {
          type: 'sessions',
          sessions: await liveList(visible),
          principal: { id: principal.id, role: principal.role },
        }
        return JSON.stringify(line)
      }
      const out = new PassThrough()
      if (once) {
        // Built before answering: a list the store cannot give is its typed error (503
        // STORE_FAILED), not an empty 200.
        out.end(`${await listLine()}\n`)
        return streamResponse(c, out, { 'content-type': 'application/x-ndjson; charset=utf-8' }, logger)
      }
      // A client that does not read what it has (stalled, gone without a word) is sent nothing
      // more until it has: each line is the whole list, so only the newest one is worth sending,
      // once it drains. Without this the server would buffer every list for it, without bound.
      let behind = false
      const write = (line: SessionsLiveLine) => {
        if (!out.writableNeedDrain && !out.writableEnded) out.write(`${JSON.stringify(line)}\n`)
      }
      let last = ''
      let pending: NodeJS.Timeout | undefined
      const after = (ms: number) => {
        pending ??= setTimeout(() => {
          pending = undefined
          void push()
        }, ms)
      }
      // Lines are built one after another, so they leave in the order the changes came.
      let building: Promise<void> = Promise.resolve()
      const push = () => {
        building = building
          .then(async () => {
            if (out.writableNeedDrain) {
              behind = true
              return
            }
            const text = await listLine()
            failures.sent()
            if (text !== last && !out.writableEnded) out.write(`${text}\n`)
            last = text
          })
          .catch((err: unknown) => {
            failures.failed(err)
            // Tried again without waiting for a change: the list comes as soon as the store is back.
            if (!out.destroyed && !out.writableEnded) after(RETRY_MS)
          })
        return building
      }
      void push()
      out.on('drain', () => {
        if (!behind) return
        behind = false
        void push()
      })
      const soon = () => after(COALESCE_MS)
      const unsubscribe = sessions.onChange(soon)
      const unsubscribeElsewhere = changedElsewhere?.(soon)
      const ping = setInterval(() => write({ type: 'ping' }), PING_MS)
      const untrack = live.add({ principal, socket: true, close: () => out.end() })
      out.once('close', () => {
        untrack()
        unsubscribe()
        unsubscribeElsewhere?.()
        clearTimeout(pending)
        clearInterval(ping)
      })
      return streamResponse(c, out, { 'content-type': 'application/x-ndjson; charset=utf-8' }, logger)
    })
  }
}
