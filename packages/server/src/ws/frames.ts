// What a client's frames do: each is checked at the trust boundary (size, then the protocol's
// schema) and dispatched to its session. Bad input gets an error frame; the connection stays.
import { parseClientFrame, type ClientFrame, type Decider, type ServerFrame, type WireError } from '@claude-agent/protocol'
import type { RawData } from 'ws'
import { toServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Session } from '../sessions/session.js'

export interface FrameContext {
  session: Session
  /** Who sends them, for the audit trail of approvals. */
  decider: Decider
  maxFrameBytes: number
  /** The server is shutting down: no new prompts. */
  shuttingDown: () => boolean
  /** Scrubs secrets from text sent to clients. */
  scrub: (text: string) => string
  logger: Logger
  send: (frame: ServerFrame) => void
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

/** One message from the client. Never throws. */
export function receiveFrame(data: RawData, context: FrameContext): void {
  const sendError = (error: WireError) => context.send({ type: 'error', ...error })
  const size = rawSize(data)
  if (size > context.maxFrameBytes) {
    sendError({
      code: 'FRAME_TOO_LARGE',
      error: `Frame is ${size} bytes; the limit is ${context.maxFrameBytes}`,
      data: { limit: context.maxFrameBytes },
    })
    return
  }
  const parsed = parseClientFrame(rawText(data))
  if (!parsed.ok) {
    sendError(parsed.error)
    return
  }
  try {
    dispatch(parsed.value, context)
  } catch (err) {
    const error = toServerError(err)
    if (error.code === 'INTERNAL')
      context.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err), { sessionId: context.session.id })
    sendError(error.toWire())
  }
}

function dispatch(frame: ClientFrame, context: FrameContext): void {
  const { session } = context
  const sendError = (error: WireError) => context.send({ type: 'error', ...error })
  switch (frame.type) {
    case 'user_message':
      if (context.shuttingDown()) {
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
      const error = session.answerPermission(frame, context.decider)
      if (error) sendError(error)
      return
    }
    case 'control':
      control(frame, context)
      return
  }
}

function control(frame: Extract<ClientFrame, { type: 'control' }>, context: FrameContext): void {
  context.session.control(frame.request).then(
    (result) => context.send({ type: 'control_response', id: frame.id, ok: true, ...(result !== undefined && { result }) }),
    (err: unknown) => {
      const known = toServerError(err)
      const error =
        known.code === 'INTERNAL'
          ? {
              code: 'CONTROL_FAILED' as const,
              error: `${frame.request.subtype} failed: ${context.scrub(err instanceof Error ? err.message : String(err))}`,
            }
          : known.toWire()
      context.send({ type: 'control_response', id: frame.id, ok: false, error })
    },
  )
}
