// What a client's frames do: each is checked at the trust boundary (size, then the protocol's
// schema) and dispatched to its session. Bad input gets an error frame; the connection stays.
import {
  parseClientFrame,
  type AuditAction,
  type ClientFrame,
  type Decider,
  type PermissionMode,
  type ServerFrame,
  type UserMessage,
  type WireError,
} from '@claude-agent/protocol'
import type { AuditDetail } from '../audit/audit-log.js'
import type { RawData } from 'ws'
import { toServerError, type ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Session } from '../sessions/session.js'
import { authorize, authorizeMode } from '../tenancy/access.js'
import type { Principal } from '../tenancy/principal.js'

export interface FrameContext {
  session: Session
  /** Who sends them, for the audit trail of approvals. */
  decider: Decider
  /** Who they act as: every frame drives the session, which a reader may not. */
  principal: Principal
  memberPermissionModes: readonly PermissionMode[]
  maxFrameBytes: number
  /** The server is shutting down: no new prompts. */
  shuttingDown: () => boolean
  /** Scrubs secrets from text sent to clients. */
  scrub: (text: string) => string
  logger: Logger
  send: (frame: ServerFrame) => void
  /** Records what the client did on the session (audit/audit-log.ts). */
  audit: (action: AuditAction, detail: AuditDetail) => void
}

/** What the audit log keeps of a prompt: its uuid and size, never its text. */
function promptDetail(message: UserMessage): AuditDetail {
  const { content } = message.message
  return {
    uuid: message.uuid,
    length: typeof content === 'string' ? content.length : JSON.stringify(content).length,
    ...(typeof content !== 'string' && { blocks: content.length }),
  }
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
  const text = rawText(data)
  const parsed = parseClientFrame(text)
  if (!parsed.ok) {
    invalid(text, parsed.error, context)
    return
  }
  try {
    dispatch(parsed.value, context)
  } catch (err) {
    refused(err, context)
  }
}

/** A frame that does not parse: the refusal goes where its client waits for it, when the frame
 * says where (a control's `id`: its one control_response; a prompt's `uuid`), as allowed() does. */
function invalid(text: string, error: WireError, context: FrameContext): void {
  let frame: { type?: unknown; id?: unknown; data?: { uuid?: unknown } } | undefined
  try {
    frame = JSON.parse(text) as typeof frame
  } catch {
    // Not JSON: nothing names a waiter.
  }
  // An id is echoed only when it could be valid: a 16 MB one is no one's to wait on.
  const echoable = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= 128
  if (frame?.type === 'control' && echoable(frame.id)) {
    context.send({ type: 'control_response', id: frame.id, ok: false, error })
  } else if (frame?.type === 'user_message' && echoable(frame.data?.uuid)) {
    context.send({ type: 'error', ...error, data: { ...(error.data as object), uuid: frame.data.uuid } })
  } else context.send({ type: 'error', ...error })
}

/** A frame the server could not act on: its client hears why (INTERNAL's details only in the log). */
function refused(err: unknown, context: FrameContext, data?: object): void {
  const error = toServerError(err)
  if (error.code === 'INTERNAL')
    context.logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err), { sessionId: context.session.id })
  else warnCause(error, context)
  const wire = error.toWire()
  context.send({ type: 'error', ...wire, ...(data && { data: { ...(wire.data as object), ...data } }) })
}

/** A typed 5xx with a cause (the database unavailable): its client is told to retry, the
 * operator what failed, as over HTTP (http/respond.ts). */
function warnCause(error: ServerError, context: FrameContext): void {
  if (error.status >= 500 && error.cause instanceof Error)
    context.logger.warn(`${error.message}: ${error.cause.message}`, { sessionId: context.session.id })
}

/** Throws FORBIDDEN (sent as an error frame, the connection stays) for what the principal may not do. */
function authorizeFrame(frame: ClientFrame, context: FrameContext): void {
  authorize(context.principal, 'session.drive', context.session)
  if (frame.type === 'control' && frame.request.subtype === 'set_permission_mode') {
    authorizeMode(context.principal, frame.request.mode, context.memberPermissionModes)
  }
}

/** Whether the frame may be dispatched; if not, the refusal is sent where its client waits for
 * it: a control's answer, or an error naming the prompt's uuid. */
function allowed(frame: ClientFrame, context: FrameContext): boolean {
  try {
    authorizeFrame(frame, context)
    return true
  } catch (err) {
    const error = toServerError(err).toWire()
    if (frame.type === 'control') context.send({ type: 'control_response', id: frame.id, ok: false, error })
    else if (frame.type === 'user_message' && frame.data.uuid !== undefined)
      context.send({ type: 'error', ...error, data: { ...(error.data as object), uuid: frame.data.uuid } })
    else context.send({ type: 'error', ...error })
    return false
  }
}

function dispatch(frame: ClientFrame, context: FrameContext): void {
  const { session } = context
  if (!allowed(frame, context)) return
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
      // Audited once taken: a duplicate is refused, and its client told (with its uuid).
      session
        .prompt(frame.data)
        .then(
          () => context.audit('prompt', promptDetail(frame.data)),
          (err: unknown) => refused(err, context, frame.data.uuid === undefined ? undefined : { uuid: frame.data.uuid }),
        )
        // Whatever those throw is this prompt's, never the process's (an unhandled rejection ends it).
        .catch((err: unknown) => context.logger.error(`prompt: ${err instanceof Error ? err.message : String(err)}`))
      return
    case 'interrupt':
      void session.interrupt().then((interrupted) => {
        context.audit('interrupt', { interrupted })
        if (!interrupted) sendError({ code: 'NOTHING_TO_INTERRUPT', error: 'No turn is running' })
      })
      return
    case 'permission_response': {
      const error = session.answerPermission(frame, context.decider)
      if (error) sendError(error)
      else context.audit('permission_answer', { requestId: frame.requestId, decision: frame.decision, scope: scopeOf(frame) })
      return
    }
    case 'control':
      context.audit('control', { subtype: frame.request.subtype })
      control(frame, context)
      return
  }
}

const scopeOf = (frame: Extract<ClientFrame, { type: 'permission_response' }>) =>
  frame.decision === 'allow' ? (frame.scope ?? 'once') : undefined

function control(frame: Extract<ClientFrame, { type: 'control' }>, context: FrameContext): void {
  context.session.control(frame.request).then(
    (result) => context.send({ type: 'control_response', id: frame.id, ok: true, ...(result !== undefined && { result }) }),
    (err: unknown) => {
      const known = toServerError(err)
      warnCause(known, context)
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
