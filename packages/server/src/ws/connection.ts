// One WebSocket client attached to one session: parses its frames at the trust boundary,
// answers bad input with an error frame (the connection stays open), and forwards the
// session's events to it.
import { parseClientFrame, type ServerFrame, type WireError } from '@claude-agent/protocol'
import type { RawData, WebSocket } from 'ws'
import type { Logger } from '../logger.js'
import type { Session } from '../sessions/session.js'

export interface ConnectionOptions {
  maxFrameBytes: number
  demo: boolean
  logger: Logger
}

export const DEMO_NOTICE =
  'Offline demo mode: no model credential is configured, so answers come from the built-in ' +
  'scripted demo model, not Claude. Set ANTHROPIC_API_KEY (or another credential) and restart to use Claude.'

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

export function handleConnection(socket: WebSocket, session: Session, options: ConnectionOptions): void {
  const send = (frame: ServerFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
  }
  const sendError = (error: WireError) => send({ type: 'error', ...error })

  send({ type: 'connected', sessionId: session.id, demo: options.demo })
  if (options.demo) send({ type: 'info', message: DEMO_NOTICE, source: 'server' })
  const detach = session.attach({ deliver: send })

  socket.on('message', (data) => {
    const size = rawSize(data)
    if (size > options.maxFrameBytes) {
      sendError({
        code: 'FRAME_TOO_LARGE',
        error: `Frame is ${size} bytes; the limit is ${options.maxFrameBytes}`,
        data: { limit: options.maxFrameBytes },
      })
      return
    }
    const parsed = parseClientFrame(rawText(data))
    if (!parsed.ok) {
      sendError(parsed.error)
      return
    }
    const frame = parsed.value
    switch (frame.type) {
      case 'user_message':
        session.prompt(frame.data)
        break
      case 'interrupt':
        void session.interrupt().then((interrupted) => {
          if (!interrupted) sendError({ code: 'NOTHING_TO_INTERRUPT', error: 'No turn is running' })
        })
        break
    }
  })
  socket.on('close', detach)
  socket.on('error', (err) => options.logger.debug(`websocket error: ${err.message}`))
}
