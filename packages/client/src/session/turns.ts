// Which result answers which prompt. Every prompt carries its own uuid; the CLI announces the
// turn it starts with that uuid (a `command_lifecycle` "started" message, then the prompt's echo
// `{type:'user', isReplay:true, uuid}`), and the next `result` ends that turn (a result naming
// its prompts in `user_message_uuid(s)` is paired by those). The server runs
// one turn at a time, so this stays exact when several clients share a session, across
// reconnects, and when the result arrives by replay.
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

export interface TurnLink {
  /** Send now; undefined when not connected (a prompt then waits for flush()). Never throws. */
  trySend(frame: UserMessageFrame | { type: 'interrupt' }): SentMark | undefined
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

export class TurnTracker {
  /** By uuid, in the order they were made. */
  private readonly turns = new Map<string, Turn>()
  /** The uuid of the turn the server runs now (any client's), from its start announcement. */
  private running?: string

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
      turn.sent = this.link.trySend(frame)
    })
  }

  /** (Re)connected: send the prompts made while disconnected; interrupt an abandoned running turn. */
  flush(): void {
    for (const turn of this.turns.values()) {
      if (turn.sent) continue
      turn.sent = this.link.trySend(turn.frame)
      if (!turn.sent) return
    }
    const running = this.running === undefined ? undefined : this.turns.get(this.running)
    if (running?.abandoned) this.link.trySend({ type: FRAME.interrupt })
  }

  /** Feed every session event, in order. */
  observe(frame: ServerFrame): void {
    if (frame.type === FRAME.sdkMessage) {
      const started = startedUuid(frame.data)
      if (started !== undefined) this.markStarted(started)
      else if (frame.data.type === 'result') this.finishRunning(frame.data)
    } else if (frame.type === FRAME.error) {
      if (frame.code === 'INTERRUPTED_BY_RESTART') this.failInterrupted(frame)
      else if (frame.code === 'AGENT_EXITED' || frame.code === 'AGENT_START_FAILED') this.failRunning(frame)
    }
  }

  /** Whether a prompt sent on a connection before `epoch` has not started yet. */
  hasUnstartedBefore(epoch: number): boolean {
    return [...this.turns.values()].some((t) => t.sent && t.sent.epoch < epoch && !t.started)
  }

  /** Prompts sent before `epoch` that never started are known lost: fail them. */
  failUnstartedBefore(epoch: number, error: Error): void {
    for (const turn of [...this.turns.values()]) {
      if (turn.sent && turn.sent.epoch < epoch && !turn.started) this.settle(turn, { error })
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
    if (!turn.sent) this.turns.delete(turn.frame.data.uuid) // never sent: forget it
    else if (this.running === turn.frame.data.uuid) this.link.trySend({ type: FRAME.interrupt })
    turn.abandoned = true // a sent turn stays tracked so its result is recognised and dropped
  }
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
