// One WebSocket client attached to one session: subscribes it (replay first when asked, then
// live), sends each event once within the client's backpressure bound, and hands its frames to
// the dispatcher. The session owns the replay-to-live hand-off; this module never reads the log.
import type { OriginPolicy } from '../http/origin-guard.js'
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { CLOSE_CODES, type AuditAction, type Decider, type PermissionMode, type ServerFrame } from '@claude-agent/protocol'
import type { Actor } from '../audit/actor.js'
import type { AuditDetail, AuditLog } from '../audit/audit-log.js'
import type { WebSocket } from 'ws'
import type { EventLog } from '../event-log/event-log.js'
import type { Authenticator } from '../http/auth.js'
import type { Logger } from '../logger.js'
import { clientAttached, clientDetached, slowConsumerCutOff } from '../metrics/metrics.js'
import { DEMO_NOTICE, droppedFieldsNotice } from '../notices.js'
import type { Session, Subscriber, Subscription } from '../sessions/session.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { can } from '../tenancy/access.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'
import type { Principal } from '../tenancy/principal.js'
import { Backpressure } from './backpressure.js'
import { heartbeat } from './heartbeat.js'
import { receiveFrame } from './frames.js'

export interface ConnectionOptions {
  sessions: SessionManager
  /** Which web pages may open sockets (http/origin-guard.ts); checked before authentication. */
  origins?: OriginPolicy
  /** For the upgrade's cursor check. */
  log: EventLog
  maxFrameBytes: number
  maxClientBufferBytes: number
  slowClientGraceMs: number
  /** Ping every this often, terminating a peer that is gone (ws/heartbeat.ts); 0: never. */
  pingIntervalMs: number
  /** Start the session's CLI as soon as a client attaches. */
  prewarm: boolean
  /** Scrubs secrets from text sent to clients. */
  scrub: (text: string) => string
  auth: Authenticator
  logger: Logger
  audit: AuditLog
  /** Open sockets by principal, closed when their access goes. */
  live: LiveSockets
  /** WebSockets a member or viewer may hold open at once (MAX_SOCKETS_PER_PRINCIPAL); 0: no limit. */
  maxSocketsPerPrincipal: number
  /** The permission modes members may switch to. */
  memberPermissionModes: readonly PermissionMode[]
}

/** What a client asked for when it connected. */
export interface AttachOptions {
  /** Replay events after this seq first; undefined: live only. */
  after: number | undefined
  /** Receive partial messages; undefined: as the session's config says. */
  partial: boolean | undefined
  /** Who this client is, for the audit trail (a token's label, or `?label=`). */
  label: string | undefined
  /** Who acts through this connection, for the audit log. */
  actor: Actor
  /** Who it acts as: each of its frames is authorized (tenancy/access.ts). */
  principal: Principal
}

/** `transport`: the socket the upgrade handed to ws, for corking replay bursts. */
function sendFrame(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
}

/** Where a client stands: the last seq it was sent (where a reconnect catches up from). */
interface Progress {
  sentUpTo: number
}

/** The client as its session sees it: events go out within the backpressure bound. */
function subscriberFor(
  session: Session,
  socket: WebSocket,
  outbox: Backpressure,
  progress: Progress,
  partial: boolean,
  maxFrameBytes: number,
): Subscriber {
  return {
    opened({ after, lastSeq }) {
      progress.sentUpTo = after
      const demo = session.isDemo
      sendFrame(socket, { type: 'connected', sessionId: session.id, demo, lastSeq, after, maxFrameBytes })
      if (demo) sendFrame(socket, { type: 'info', message: DEMO_NOTICE, source: 'server' })
      const dropped = session.droppedConfigFields
      if (dropped.length > 0) sendFrame(socket, { type: 'info', message: droppedFieldsNotice(dropped), source: 'server' })
    },
    deliver(event) {
      if (outbox.send(event.text)) progress.sentUpTo = Math.max(progress.sentUpTo, event.seq)
    },
    deliverNotice(text) {
      outbox.send(text)
    },
    ...(partial && { deliverTransient: (text: string) => void outbox.send(text) }),
    ended(code, message) {
      sendFrame(socket, { type: 'error', code, error: message })
      // A session that moved to another node, that a refused delete left in place, or whose
      // history a replay could not read, is served again on reconnecting: as after a restart.
      const again = code === 'LEASE_LOST' || code === 'STORE_FAILED'
      socket.close(again ? CLOSE_CODES.shuttingDown : CLOSE_CODES.gone, code)
    },
    hasRoom: () => outbox.hasRoom(),
    waitForRoom: () => outbox.waitForRoom(),
    holdWrites: () => outbox.holdWrites(),
    flushWrites: () => outbox.flushWrites(),
    fellBehind: () => outbox.cutOff('too far behind while catching up'),
  }
}

/** `transport`: the socket the upgrade handed to ws, for corking replay bursts. */
export function handleConnection(
  socket: WebSocket,
  session: Session,
  attach: AttachOptions,
  options: ConnectionOptions,
  transport?: Duplex,
): void {
  const partial = attach.partial ?? session.info().config.includePartialMessages ?? false
  const decider: Decider = { connectionId: `c_${randomUUID().slice(0, 8)}`, ...(attach.label && { label: attach.label }) }
  const progress: Progress = { sentUpTo: 0 }
  let subscription: Subscription | undefined
  let cutOff = false
  const outbox = new Backpressure(socket, {
    limit: options.maxClientBufferBytes,
    graceMs: options.slowClientGraceMs,
    transport,
    onCutOff: (why) => {
      cutOff = true
      subscription?.close()
      options.logger.warn(`client cut off: ${why}`, { sessionId: session.id })
      slowConsumerCutOff()
      const { sentUpTo } = progress
      sendFrame(socket, {
        type: 'error',
        code: 'SLOW_CONSUMER',
        error: `Cut off: ${why}. Reconnect with after=${sentUpTo} to catch up.`,
        data: { after: sentUpTo },
      })
      socket.close(CLOSE_CODES.slowConsumer, 'SLOW_CONSUMER')
      // A stalled peer never completes the close handshake; free its buffers now.
      setTimeout(() => socket.terminate(), 1_000).unref()
    },
  })
  subscription = session.subscribe(subscriberFor(session, socket, outbox, progress, partial, options.maxFrameBytes), {
    after: attach.after,
  })
  // Cut off while the subscription was being made.
  if (cutOff) subscription.close()
  // A reader that may not prompt starts no CLI.
  const drives = can(attach.principal, 'session.drive', session) === 'allow'
  if (options.prewarm && drives && !options.sessions.shuttingDown) session.prewarm()

  const frames = {
    session,
    decider,
    principal: attach.principal,
    memberPermissionModes: options.memberPermissionModes,
    maxFrameBytes: options.maxFrameBytes,
    shuttingDown: () => options.sessions.shuttingDown,
    scrub: options.scrub,
    logger: options.logger,
    // Within the same bound as events: a client that floods bad frames and never reads its
    // answers (each one larger than the frame it answers) is cut off, not buffered for.
    send: (frame: ServerFrame) => void outbox.send(JSON.stringify(frame)),
    audit: (action: AuditAction, detail: AuditDetail) => options.audit.record(attach.actor, action, session.id, detail),
  }
  socket.on('message', (data) => receiveFrame(data, frames))
  heartbeat(socket, options.pingIntervalMs)
  clientAttached()
  socket.on('close', () => {
    clientDetached()
    subscription.close()
  })
  socket.on('error', (err) => options.logger.debug(`websocket error: ${err.message}`))
}
