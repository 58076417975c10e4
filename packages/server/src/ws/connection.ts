// One WebSocket client attached to one session: parses its frames at the trust boundary,
// answers bad input with an error frame (the connection stays open), replays the events it
// missed, then forwards the live stream, and cuts it off if it cannot keep up.
import { randomUUID } from 'node:crypto'
import { Socket } from 'node:net'
import { CLOSE_CODES, parseClientFrame, type ClientFrame, type Decider, type ServerFrame, type WireError } from '@claude-agent/protocol'
import type { RawData, WebSocket } from 'ws'
import type { EventLog, StoredEvent } from '../event-log/event-log.js'
import type { Authenticator } from '../http/auth.js'
import { toServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { DEMO_NOTICE } from '../notices.js'
import type { Session } from '../sessions/session.js'
import type { SessionManager } from '../sessions/session-manager.js'

export interface ConnectionOptions {
  sessions: SessionManager
  log: EventLog
  maxFrameBytes: number
  maxClientBufferBytes: number
  slowClientGraceMs: number
  /** Start the session's CLI as soon as a client attaches. */
  prewarm: boolean
  /** Scrubs secrets from text sent to clients. */
  scrub: (text: string) => string
  auth: Authenticator
  logger: Logger
}

const REPLAY_PAGE = 1000
/** A client may stay over its buffer limit for slowClientGraceMs (a large frame takes a moment
 * to drain), but never grow past this many times the limit: that bounds memory per client. */
const HARD_LIMIT_FACTOR = 4

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

/** The TCP socket under a ws WebSocket (not public API; undefined if ws changes it). */
function rawSocket(socket: WebSocket): Socket | undefined {
  const raw = (socket as unknown as { _socket?: unknown })._socket
  return raw instanceof Socket ? raw : undefined
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

/** What a client asked for when it connected. */
export interface AttachOptions {
  /** Replay events after this seq first; undefined: live only. */
  after: number | undefined
  /** Receive partial messages; undefined: as the session's config says. */
  partial: boolean | undefined
  /** Who this client is, for the audit trail (a token's label, or `?label=`). */
  label: string | undefined
}

export function handleConnection(socket: WebSocket, session: Session, attach: AttachOptions, options: ConnectionOptions): void {
  const { after } = attach
  const partial = attach.partial ?? session.info().config.includePartialMessages ?? false
  const decider: Decider = { connectionId: `c_${randomUUID().slice(0, 8)}`, ...(attach.label && { label: attach.label }) }
  let sentUpTo = after ?? options.log.lastSeq(session.id)
  let live = after === undefined
  const pending: StoredEvent[] = []
  let cutOff = false

  const sendFrame = (frame: ServerFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
  }
  const sendError = (error: WireError) => sendFrame({ type: 'error', ...error })

  const cutOffSlow = (why: string) => {
    if (cutOff) return
    cutOff = true
    detach()
    options.logger.warn(`session ${session.id}: client cut off: ${why}`)
    sendError({ code: 'SLOW_CONSUMER', error: `Cut off: ${why}. Reconnect with after=${sentUpTo} to catch up.`, data: { after: sentUpTo } })
    socket.close(CLOSE_CODES.slowConsumer, 'SLOW_CONSUMER')
    // A stalled peer never completes the close handshake; free its buffers now.
    setTimeout(() => socket.terminate(), 1_000).unref()
  }

  // Whether the client keeps up; cuts it off when it has been over the limit too long, or far over.
  let behindSince = 0
  const keepsUp = (): boolean => {
    const limit = options.maxClientBufferBytes
    const grace = options.slowClientGraceMs
    const buffered = socket.bufferedAmount
    if (buffered <= limit) {
      behindSince = 0
      return true
    }
    if (buffered > limit * HARD_LIMIT_FACTOR) cutOffSlow(`${buffered} bytes unsent, over ${HARD_LIMIT_FACTOR}x the limit of ${limit}`)
    else if (behindSince === 0) {
      behindSince = Date.now()
      setTimeout(() => {
        if (behindSince !== 0 && Date.now() - behindSince >= grace && socket.bufferedAmount > limit) {
          cutOffSlow(`over ${limit} bytes unsent for ${grace} ms`)
        }
      }, grace).unref()
    } else if (Date.now() - behindSince >= grace) cutOffSlow(`over ${limit} bytes unsent for ${grace} ms`)
    return !cutOff
  }

  const sendEvent = (event: StoredEvent) => {
    if (event.seq <= sentUpTo || cutOff || socket.readyState !== socket.OPEN) return
    if (!keepsUp()) return
    socket.send(event.text)
    sentUpTo = event.seq
  }

  const detach = session.attach({
    deliver(event) {
      if (live) sendEvent(event)
      else if (pending.push(event) > REPLAY_PAGE * 10) cutOffSlow('too far behind while catching up')
    },
    deliverTransient(text) {
      if (partial && live && !cutOff && socket.readyState === socket.OPEN && keepsUp()) socket.send(text)
    },
    ended(code, message) {
      sendError({ code, error: message })
      socket.close(CLOSE_CODES.gone, code)
    },
  })

  const demo = options.sessions.isDemo(session.id)
  sendFrame({ type: 'connected', sessionId: session.id, demo, lastSeq: options.log.lastSeq(session.id), after: sentUpTo })
  if (demo) sendFrame({ type: 'info', message: DEMO_NOTICE, source: 'server' })
  // A live-only client still needs the questions waiting for an answer (a replaying one gets
  // them in the replay).
  if (live) for (const request of session.openPermissionRequests()) socket.send(request.text)
  if (!live) void replay()
  if (options.prewarm && !options.sessions.shuttingDown) session.prewarm()

  // Send history in pages, in bursts paced to the client's drain rate; live events arriving
  // meanwhile wait in `pending`. The last page and the switch to live happen in one tick, so
  // nothing is missed and nothing is sent twice.
  async function replay(): Promise<void> {
    const half = options.maxClientBufferBytes / 2
    const raw = rawSocket(socket)
    for (;;) {
      const page = options.log.read(session.id, sentUpTo, REPLAY_PAGE)
      let next = 0
      while (next < page.length) {
        if (!(await drained())) return
        // Corked, a burst of frames leaves in a few writes instead of one each.
        raw?.cork()
        while (next < page.length && socket.bufferedAmount <= half) sendEvent(page[next++]!)
        raw?.uncork()
      }
      if (page.length < REPLAY_PAGE) break
      await new Promise((r) => setImmediate(r))
    }
    for (const event of pending.splice(0)) sendEvent(event)
    live = true
  }

  /** Waits (on the socket's drain) until the client has taken most of what was sent, at most
   * slowClientGraceMs; false if it was cut off or left. */
  async function drained(): Promise<boolean> {
    const half = options.maxClientBufferBytes / 2
    const raw = rawSocket(socket)
    if (socket.readyState === socket.OPEN && !cutOff && socket.bufferedAmount > half) {
      const progressed = await new Promise<boolean>((resolve) => {
        const done = (result: boolean) => {
          clearTimeout(timer)
          raw?.off('drain', onDrain)
          socket.off('close', onClose)
          resolve(result)
        }
        const onDrain = () => done(true)
        const onClose = () => done(false)
        const timer = setTimeout(() => done(socket.bufferedAmount <= half), options.slowClientGraceMs)
        raw?.on('drain', onDrain)
        socket.once('close', onClose)
      })
      if (!progressed && socket.readyState === socket.OPEN) cutOffSlow(`no progress for ${options.slowClientGraceMs} ms during replay`)
    }
    return socket.readyState === socket.OPEN && !cutOff
  }

  socket.on('message', (data) => {
    const size = rawSize(data)
    if (size > options.maxFrameBytes) {
      sendError({ code: 'FRAME_TOO_LARGE', error: `Frame is ${size} bytes; the limit is ${options.maxFrameBytes}`, data: { limit: options.maxFrameBytes } })
      return
    }
    const parsed = parseClientFrame(rawText(data))
    if (!parsed.ok) {
      sendError(parsed.error)
      return
    }
    try {
      handleFrame(parsed.value)
    } catch (err) {
      const error = toServerError(err)
      if (error.code === 'INTERNAL') options.logger.error(`session ${session.id}: ${err instanceof Error ? err.stack : String(err)}`)
      sendError(error.toWire())
    }
  })

  function handleFrame(frame: ClientFrame): void {
    switch (frame.type) {
      case 'user_message':
        if (options.sessions.shuttingDown) {
          sendError({
            code: 'SHUTTING_DOWN',
            error: 'The server is shutting down and takes no new prompts',
            ...(frame.data.uuid !== undefined && { data: { uuid: frame.data.uuid } }),
          })
          return
        }
        session.prompt(frame.data)
        return
      case 'interrupt':
        void session.interrupt().then((interrupted) => {
          if (!interrupted) sendError({ code: 'NOTHING_TO_INTERRUPT', error: 'No turn is running' })
        })
        return
      case 'permission_response': {
        const error = session.answerPermission(frame, decider)
        if (error) sendError(error)
        return
      }
      case 'control':
        session.control(frame.request).then(
          (result) => sendFrame({ type: 'control_response', id: frame.id, ok: true, ...(result !== undefined && { result }) }),
          (err: unknown) => {
            const known = toServerError(err)
            const error =
              known.code === 'INTERNAL'
                ? { code: 'CONTROL_FAILED' as const, error: `${frame.request.subtype} failed: ${options.scrub(err instanceof Error ? err.message : String(err))}` }
                : known.toWire()
            sendFrame({ type: 'control_response', id: frame.id, ok: false, error })
          },
        )
        return
    }
  }

  socket.on('close', detach)
  socket.on('error', (err) => options.logger.debug(`websocket error: ${err.message}`))
}
