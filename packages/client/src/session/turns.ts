// Which result answers which prompt. Every prompt carries its own uuid; the CLI announces the
// turn it starts with that uuid (a `command_lifecycle` "started" message, then the prompt's echo
// `{type:'user', isReplay:true, uuid}`), and the next `result` ends that turn (a result naming
// its prompts in `user_message_uuid(s)` is paired by those). The server runs
// one turn at a time, so this stays exact when several clients share a session, across
// reconnects, and when the result arrives by replay.
//
// A prompt written as a connection dropped may never have reached the server. The server runs
// each uuid once (a repeat is answered DUPLICATE_PROMPT), so after a reconnect, once the replay
// has shown every event logged before it, a prompt sent earlier that has not started is sent
// again with the same uuid: either it was lost and now runs, or the server has it queued and
// says DUPLICATE_PROMPT, which means "keep waiting". Prompts made meanwhile wait behind these
// resends, so the server gets them in the order they were made.
import type { ErrorFrame, SdkMessage, SdkResultMessage, ServerFrame, UserMessageFrame } from '@claude-agent/protocol'
import { FRAME, isResultMessage } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { toWireError } from './failures.js'

/** Where a frame went: the connection (1, 2, ...) and the session's lastSeq when it attached. */
export interface SentMark {
  epoch: number
  /** Events up to this seq happened before the server could have received the frame. */
  baseSeq: number
}

/** The frame is over the connection's `maxFrameBytes`: not sent, and no resend would take it. */
export interface TooLarge {
  tooLarge: { bytes: number; limit: number }
}

export interface TurnLink {
  /** Send now; undefined when not connected (a prompt then waits for flush()). Never throws. */
  trySend(frame: UserMessageFrame | { type: 'interrupt' }): SentMark | TooLarge | undefined
}

export type PromptFrame = UserMessageFrame & { data: { uuid: string } }

interface Turn {
  frame: PromptFrame
  sent?: SentMark
  started: boolean
  /** The caller stopped waiting (aborted): interrupt the turn when it runs, drop its result. */
  abandoned: boolean
  /** Settles the prompt() promise; absent once the caller stopped waiting. */
  waiter?: (outcome: Outcome) => void
}

type Outcome = { result: SdkResultMessage } | { error: Error }

/** Refusals after which the prompt still gets its result (see failRefused). */
const KEEP_WAITING: ReadonlySet<string> = new Set(['DUPLICATE_PROMPT', 'SHUTTING_DOWN', 'LEASE_LOST'])

export class TurnTracker {
  /** By uuid, in the order they were made. */
  private readonly turns = new Map<string, Turn>()
  /** The uuid of the turn the server runs now (any client's), from its start announcement. */
  private running?: string
  /** Set from a reconnect until the replay has caught up: prompts wait to keep their order. */
  private holding?: number
  /** Uuids sent again on the current connection; a DUPLICATE_PROMPT for one is expected. */
  private readonly resent = new Set<string>()

  constructor(private readonly link: TurnLink) {}

  get size(): number {
    return this.turns.size
  }

  /** Send `frame` (now, or at the next flush()) and resolve with its turn's result. */
  run(frame: PromptFrame, signal?: AbortSignal): Promise<SdkResultMessage> {
    return new Promise<SdkResultMessage>((resolve, reject) => {
      const onAbort = () => {
        turn.waiter = undefined
        this.abandon(turn)
        reject(signal?.reason)
      }
      const turn: Turn = {
        frame,
        started: false,
        abandoned: false,
        waiter: (outcome) => {
          signal?.removeEventListener('abort', onAbort)
          if ('result' in outcome) resolve(outcome.result)
          else reject(outcome.error)
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.turns.set(frame.data.uuid, turn)
      if (this.holding === undefined) this.send(turn)
    })
  }

  /**
   * Connection `epoch` is up. Without prompts to resend, send the ones made while disconnected
   * now; otherwise hold every prompt until caughtUp().
   */
  connected(epoch: number): void {
    this.resent.clear()
    this.holding = [...this.turns.values()].some((turn) => mayBeLost(turn, epoch)) ? epoch : undefined
    if (this.holding === undefined) this.flush(epoch)
  }

  /** The connection has delivered every event logged before it attached: resend, then send the rest. */
  caughtUp(epoch: number): void {
    if (this.holding !== epoch) return
    this.holding = undefined
    this.flush(epoch)
  }

  /** Whether `frame` is the server's DUPLICATE_PROMPT for a resend: the prompt is queued or ran; keep waiting. */
  isResendAnswer(frame: ServerFrame): boolean {
    if (frame.type !== FRAME.error || frame.code !== 'DUPLICATE_PROMPT') return false
    const uuid = (frame.data as { uuid?: unknown } | undefined)?.uuid
    return typeof uuid === 'string' && this.resent.delete(uuid)
  }

  /** In the order they were made: unsent prompts, and earlier connections' unstarted ones again. */
  private flush(epoch: number): void {
    for (const turn of [...this.turns.values()]) {
      if (turn.sent && !mayBeLost(turn, epoch)) continue
      if (!this.send(turn)) return // dropped again: the next connection carries on
    }
    const running = this.running === undefined ? undefined : this.turns.get(this.running)
    if (running?.abandoned) this.link.trySend({ type: FRAME.interrupt })
  }

  /** Send `turn` on the current connection; false when there is none (it waits for the next). */
  private send(turn: Turn): boolean {
    const mark = this.link.trySend(turn.frame)
    if (!mark) return false
    if ('tooLarge' in mark) {
      // The server would answer FRAME_TOO_LARGE without the prompt's uuid, and a frame over 4x
      // the limit closes the socket: either way a wait that never ends. Refuse it here.
      const { bytes, limit } = mark.tooLarge
      const error = `The prompt is ${bytes} bytes; the server takes frames of up to ${limit} bytes (MAX_FRAME_BYTES)`
      const wireError = { code: 'FRAME_TOO_LARGE' as const, error, data: { limit } }
      // Sent before, to a server that took it (its limit has shrunk since): it may have run.
      const outcome = turn.sent ? 'it could not be sent again, and may have run already' : 'nothing was sent'
      this.settle(turn, { error: new ClaudeAgentClientError('PROMPT_REFUSED', `${error}: ${outcome}`, { wireError }) })
      return true
    }
    if (turn.sent) this.resent.add(turn.frame.data.uuid)
    // The first baseSeq stays: events after it may still end this prompt's turn.
    turn.sent = { epoch: mark.epoch, baseSeq: turn.sent?.baseSeq ?? mark.baseSeq }
    return true
  }

  /** Feed every session event, in order. */
  observe(frame: ServerFrame): void {
    if (frame.type === FRAME.sdkMessage) {
      const started = startedUuid(frame.data)
      if (started !== undefined) this.markStarted(started)
      else if (frame.data.type === 'result') this.finishRunning(frame.data)
    } else if (frame.type === FRAME.error) {
      if (frame.code === 'INTERRUPTED_BY_RESTART') this.failInterrupted(frame)
      else if (frame.code === 'AGENT_EXITED' || frame.code === 'AGENT_START_FAILED' || frame.code === 'TURN_STALLED')
        this.failRunning(frame)
      else this.failRefused(frame)
    }
  }

  /** Every turn ends now (stop, connection lost for good). */
  failAll(error: Error): void {
    this.running = undefined
    for (const turn of [...this.turns.values()]) this.settle(turn, { error })
  }

  private markStarted(uuid: string): void {
    this.running = uuid
    const turn = this.turns.get(uuid)
    if (!turn || turn.started) return
    turn.started = true
    if (turn.abandoned) this.link.trySend({ type: FRAME.interrupt })
  }

  private finishRunning(data: SdkMessage): void {
    const running = this.running
    this.running = undefined
    for (const uuid of answeredUuids(data) ?? (running === undefined ? [] : [running])) {
      const turn = this.turns.get(uuid)
      if (!turn) continue // another client's turn, or one we no longer track
      if (isResultMessage(data)) this.settle(turn, { result: data })
      else this.settle(turn, { error: new ClaudeAgentClientError('INVALID_SERVER_FRAME', 'A turn ended with a malformed result') })
    }
  }

  /** The server stopped: the turn it ran and the prompts it had queued are gone. Prompts sent
   * after it came back (on a connection that attached after this event) are safe. */
  private failInterrupted(frame: ErrorFrame): void {
    const error = new ClaudeAgentClientError('TURN_INTERRUPTED', frame.error, {
      wireError: toWireError(frame),
    })
    this.running = undefined
    for (const turn of [...this.turns.values()]) {
      if (turn.sent && (frame.seq === undefined || turn.sent.baseSeq < frame.seq)) this.settle(turn, { error })
    }
  }

  /** The server refused a prompt it names (FORBIDDEN, STORE_FAILED, INVALID_FRAME, ...): it will
   * never run, so no result comes. Not so for DUPLICATE_PROMPT (the server has it) nor for a
   * server going away (SHUTTING_DOWN, LEASE_LOST): the prompt is sent again on reconnecting. */
  private failRefused(frame: ErrorFrame): void {
    const uuid = (frame.data as { uuid?: unknown } | undefined)?.uuid
    const turn = typeof uuid === 'string' ? this.turns.get(uuid) : undefined
    if (!turn || turn.started || KEEP_WAITING.has(frame.code)) return
    const error = new ClaudeAgentClientError('PROMPT_REFUSED', `The server refused the prompt: ${frame.error}`, {
      wireError: toWireError(frame),
    })
    this.settle(turn, { error })
  }

  /** The agent died: the running turn ends without a result (queued prompts still run). */
  private failRunning(frame: ErrorFrame): void {
    const error = new ClaudeAgentClientError('AGENT_FAILED', `The agent failed: ${frame.error}`, { wireError: toWireError(frame) })
    let turn = this.running === undefined ? undefined : this.turns.get(this.running)
    const anyRunning = this.running !== undefined
    this.running = undefined
    if (!turn && !anyRunning && frame.code === 'AGENT_START_FAILED') {
      // The CLI died before announcing the turn: it was the oldest prompt the server had.
      turn = [...this.turns.values()].find((t) => t.sent && !t.started && (frame.seq === undefined || t.sent.baseSeq < frame.seq))
    }
    if (turn) this.settle(turn, { error })
  }

  private settle(turn: Turn, outcome: Outcome): void {
    this.turns.delete(turn.frame.data.uuid)
    turn.waiter?.(outcome)
  }

  private abandon(turn: Turn): void {
    if (!turn.sent)
      this.turns.delete(turn.frame.data.uuid) // never sent: forget it
    else if (this.running === turn.frame.data.uuid) this.link.trySend({ type: FRAME.interrupt })
    turn.abandoned = true // a sent turn stays tracked so its result is recognised and dropped
  }
}

/** Sent on an earlier connection and not started: it may never have arrived. An abandoned one is
 * not sent again (if the server has it, it is interrupted when it starts). */
function mayBeLost(turn: Turn, epoch: number): boolean {
  return turn.sent !== undefined && turn.sent.epoch < epoch && !turn.started && !turn.abandoned
}

/** The uuid of the prompt a message announces as started, if it is such an announcement. */
function startedUuid(data: SdkMessage): string | undefined {
  if (data.type === 'command_lifecycle' && data['state'] === 'started' && typeof data['command_uuid'] === 'string') {
    return data['command_uuid']
  }
  if (data.type === 'user' && data['isReplay'] === true && typeof data['uuid'] === 'string') return data['uuid']
  return undefined
}

/** The prompts a result says it answers (newer CLIs name them), if it says. */
function answeredUuids(data: SdkMessage): string[] | undefined {
  const many = data['user_message_uuids']
  if (Array.isArray(many) && many.length > 0 && many.every((u) => typeof u === 'string')) return many as string[]
  const one = data['user_message_uuid']
  return typeof one === 'string' ? [one] : undefined
}
