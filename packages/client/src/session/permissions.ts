// Answering tool-permission requests with onPermissionRequest handlers. The server asks every
// attached client and takes the first answer, so a client must never answer a request that is
// already resolved: requests met during a replay wait until the connection has caught up with
// the log as it was when it attached (`connected.lastSeq`), and only those still open by then
// are put to the handlers. Every request is put to them at most once per client.
import type { PermissionRequestFrame, PermissionResolvedFrame, PermissionResponseFrame, PermissionScope } from '@claude-agent/protocol'
import { PermissionResponseFrameSchema, describeIssues, summarizeIssues } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'

/** What a handler is asked: the server's request, plus where it comes from and a signal. */
export interface PermissionRequest extends Omit<PermissionRequestFrame, 'type'> {
  /** The session that asks (`default` for `/ws`). */
  sessionId: string | undefined
  /** Aborted once the request no longer waits for this client: someone answered, it timed out,
   * the turn ended (`signal.reason` is then the `permission_resolved` frame), or the connection
   * was closed for good (a ClaudeAgentClientError). Use it to take down a pending dialog. */
  signal: AbortSignal
}

/** A decision. `allow` may edit the tool's input and cover the rest of the session (`scope`). */
export type PermissionDecision =
  | {
      behavior: 'allow'
      /** Run the tool with this input instead. @default the requested input */
      updatedInput?: Record<string, unknown>
      /** `session`: allow this tool for the rest of the session without asking. @default 'once' */
      scope?: PermissionScope
    }
  | {
      behavior: 'deny'
      /** Told to the model. @default the server's "The user denied this tool call." */
      message?: string
    }

/** A decision, the shorthands `'allow'` (once) and `'deny'`, or `undefined`: no answer from this handler. */
export type PermissionAnswer = PermissionDecision | 'allow' | 'deny' | undefined

/** Returns (or resolves to) the answer; `undefined` leaves the request to other handlers, other clients or the timeout. */
export type PermissionHandler = (request: PermissionRequest) => PermissionAnswer | void | Promise<PermissionAnswer | void>

export type PermissionResolvedHandler = (frame: PermissionResolvedFrame) => void

export interface PermissionDeskInit {
  /** The handlers now registered (a snapshot is taken per request). */
  handlers(): PermissionHandler[]
  sessionId(): string | undefined
  /** The current connection's number and whether it has delivered the log as it was at attach. */
  position(): { epoch: number; caughtUp: boolean }
  /** Sends on the current connection; false when not connected. */
  trySend(frame: PermissionResponseFrame): boolean
  /** A handler threw or answered something invalid. */
  handlerFailed(error: ClaudeAgentClientError): void
}

interface Entry {
  request: PermissionRequestFrame
  abort: AbortController
  /** waiting: not put to handlers yet; asking: handlers run; declined: none answered; answered. */
  state: 'waiting' | 'asking' | 'declined' | 'answered'
  answer?: PermissionResponseFrame
  /** The connection the answer was written to (it is written again after a reconnect). */
  sentOn?: number
}

/** Resolved request ids remembered, so a replayed request is recognised as done. */
const REMEMBERED_RESOLUTIONS = 10_000

export class PermissionDesk {
  private readonly open = new Map<string, Entry>()
  private readonly resolved = new Set<string>()

  constructor(private readonly init: PermissionDeskInit) {}

  /** A `permission_request`, also one delivered before (the server resends open ones to new live connections). */
  request(frame: PermissionRequestFrame): void {
    if (this.resolved.has(frame.requestId) || this.open.has(frame.requestId)) return
    this.open.set(frame.requestId, { request: frame, abort: new AbortController(), state: 'waiting' })
  }

  /** A `permission_resolved`: the request is over, whoever decided. */
  resolve(frame: PermissionResolvedFrame): void {
    this.resolved.add(frame.requestId)
    if (this.resolved.size > REMEMBERED_RESOLUTIONS) this.resolved.delete(this.resolved.values().next().value!)
    const entry = this.open.get(frame.requestId)
    if (!entry) return
    this.open.delete(frame.requestId)
    entry.abort.abort(frame)
  }

  /** Put open requests to the handlers and (re)send answers, once the connection has caught up. */
  pump(): void {
    if (this.open.size === 0) return
    const { epoch, caughtUp } = this.init.position()
    if (!caughtUp) return
    for (const entry of [...this.open.values()]) {
      if (entry.state === 'waiting') this.ask(entry)
      else if (entry.answer && entry.sentOn !== epoch) this.send(entry)
    }
  }

  /** The connection is closed for good: abort every pending handler's signal. */
  close(reason: ClaudeAgentClientError): void {
    for (const entry of this.open.values()) entry.abort.abort(reason)
    this.open.clear()
  }

  private ask(entry: Entry): void {
    const handlers = this.init.handlers()
    if (handlers.length === 0) return // stays waiting: a handler registered later is asked
    entry.state = 'asking'
    const { type: _type, ...fields } = entry.request
    const request: PermissionRequest = { ...fields, sessionId: this.init.sessionId(), signal: entry.abort.signal }
    let pending = handlers.length
    const abstain = () => {
      if (--pending === 0 && entry.state === 'asking') entry.state = 'declined'
    }
    for (const handler of handlers) {
      let result: ReturnType<PermissionHandler>
      try {
        result = handler(request)
      } catch (error) {
        this.failed(entry, error)
        abstain()
        continue
      }
      Promise.resolve(result).then(
        (answer) => {
          if (answer === undefined || !this.answer(entry, answer)) abstain()
        },
        (error: unknown) => {
          this.failed(entry, error)
          abstain()
        },
      )
    }
  }

  /** The first answer wins; later ones (and answers to requests resolved meanwhile) are dropped.
   * False for an invalid decision, which counts as no answer. */
  private answer(entry: Entry, answer: Exclude<PermissionAnswer, undefined>): boolean {
    const frame = toResponseFrame(entry.request.requestId, answer)
    if (!frame.ok) {
      const message = `An onPermissionRequest handler returned an invalid decision for ${entry.request.toolName}: ${frame.error}`
      this.init.handlerFailed(new ClaudeAgentClientError('HANDLER_FAILED', message))
      return false
    }
    if (entry.state !== 'asking' || !this.open.has(entry.request.requestId)) return true
    entry.state = 'answered'
    entry.answer = frame.value
    this.send(entry)
    return true
  }

  private send(entry: Entry): void {
    const { epoch, caughtUp } = this.init.position()
    // Not connected (or replaying after a reconnect): pump() sends it once caught up, if still open.
    if (caughtUp && entry.answer && this.init.trySend(entry.answer)) entry.sentOn = epoch
  }

  private failed(entry: Entry, error: unknown): void {
    const why = error instanceof Error ? error.message : String(error)
    const message = `An onPermissionRequest handler threw on ${entry.request.toolName} (${entry.request.requestId}): ${why}`
    this.init.handlerFailed(new ClaudeAgentClientError('HANDLER_FAILED', message, { cause: error }))
  }
}

type Built = { ok: true; value: PermissionResponseFrame } | { ok: false; error: string }

/** The wire frame for a decision, validated (e.g. a deny cannot have scope `session`). */
export function toResponseFrame(requestId: string, answer: Exclude<PermissionAnswer, undefined>): Built {
  const decision: PermissionDecision = typeof answer === 'string' ? { behavior: answer } : answer
  const frame =
    decision?.behavior === 'allow'
      ? {
          type: 'permission_response',
          requestId,
          decision: 'allow',
          ...(decision.updatedInput !== undefined && { updatedInput: decision.updatedInput }),
          ...(decision.scope !== undefined && { scope: decision.scope }),
        }
      : decision?.behavior === 'deny'
        ? { type: 'permission_response', requestId, decision: 'deny', ...(decision.message !== undefined && { message: decision.message }) }
        : { type: 'permission_response', requestId, decision: String((decision as { behavior?: unknown } | null)?.behavior) }
  const parsed = PermissionResponseFrameSchema.safeParse(frame)
  if (!parsed.success) return { ok: false, error: summarizeIssues(describeIssues(parsed.error)) }
  return { ok: true, value: parsed.data }
}
