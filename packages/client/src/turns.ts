// Turn bookkeeping. The server ends every turn with one `result` message, so results pair with
// user_messages in the order they were sent (FIFO). Prompts are held back until no turn is in
// flight: the CLI may merge user messages that queue up behind a running turn into one turn
// (measured: three back-to-back messages gave two results), which would leave a prompt waiting
// forever for a result of its own.
import type {
  ClientFrame,
  ErrorCode,
  ErrorFrame,
  SdkMessage,
  SdkResultMessage,
  ServerFrame,
  UserMessageFrame,
  WireError,
} from '@claude-agent/protocol'
import { FRAME, isResultMessage } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from './errors.js'

// These frames mean the agent process died: every turn in flight ended without a result.
const AGENT_DEATH_CODES: ReadonlySet<string> = new Set<ErrorCode>(['AGENT_START_FAILED', 'AGENT_EXITED'])

interface Turn {
  /** The frame to send; absent for a user_message already sent with send(). */
  frame?: UserMessageFrame
  /** Settles the prompt() awaiting this turn; absent for send() and for aborted prompts. */
  settle?: (outcome: { result: SdkResultMessage } | { error: Error }) => void
}

export class TurnTracker {
  /** Sent, awaiting their result; the first is the one the server is running. */
  private inFlight: Turn[] = []
  /** Prompts not sent yet, waiting for the server to be idle. */
  private held: Turn[] = []

  /** @param transmit sends a frame now, or throws a ClaudeAgentClientError. */
  constructor(private readonly transmit: (frame: ClientFrame) => void) {}

  /** Send `frame` as soon as no turn is in flight; resolve with its turn's result. */
  run(frame: UserMessageFrame, signal?: AbortSignal): Promise<SdkResultMessage> {
    return new Promise<SdkResultMessage>((resolve, reject) => {
      const turn: Turn = { frame }
      const onAbort = () => {
        // A sent turn stays in flight so later results still pair; only its waiter goes.
        turn.settle = undefined
        const wasHeld = this.removeHeld(turn)
        if (!wasHeld && this.inFlight[0] === turn) this.interruptQuietly()
        reject(signal?.reason)
      }
      turn.settle = (outcome) => {
        signal?.removeEventListener('abort', onAbort)
        if ('result' in outcome) resolve(outcome.result)
        else reject(outcome.error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.held.push(turn)
      this.sendHeld()
    })
  }

  /** A valid user_message went out through send(): it occupies a turn of its own. */
  noteSent(): void {
    this.inFlight.push({})
  }

  /** Feed every server frame: results end turns, agent deaths fail them. */
  observe(frame: ServerFrame): void {
    if (frame.type === FRAME.sdkMessage && frame.data.type === 'result') {
      this.finishRunning(frame.data)
    } else if (frame.type === FRAME.error && AGENT_DEATH_CODES.has(frame.code)) {
      const error = new ClaudeAgentClientError('AGENT_FAILED', `The agent failed: ${frame.error}`, {
        wireError: toWireError(frame),
      })
      const turns = this.inFlight
      this.inFlight = []
      for (const turn of turns) turn.settle?.({ error })
      this.sendHeld() // the server recovers on the next prompt
    }
  }

  /** Every turn, sent or held, ends now (socket closed, client stopped). */
  failAll(error: Error): void {
    const turns = [...this.inFlight, ...this.held]
    this.inFlight = []
    this.held = []
    for (const turn of turns) turn.settle?.({ error })
  }

  private finishRunning(data: SdkMessage): void {
    const turn = this.inFlight.shift()
    if (!turn) return // a result for no turn of ours (e.g. history replayed on connect)
    if (isResultMessage(data)) turn.settle?.({ result: data })
    else {
      const error = new ClaudeAgentClientError('INVALID_SERVER_FRAME', 'The turn ended with a malformed result message')
      turn.settle?.({ error })
    }
    this.sendHeld()
  }

  private sendHeld(): void {
    while (this.inFlight.length === 0) {
      const turn = this.held.shift()
      if (!turn) return
      try {
        if (turn.frame) this.transmit(turn.frame)
        this.inFlight.push(turn)
      } catch (error) {
        turn.settle?.({ error: error instanceof Error ? error : new Error(String(error)) })
      }
    }
  }

  private removeHeld(turn: Turn): boolean {
    const index = this.held.indexOf(turn)
    if (index !== -1) this.held.splice(index, 1)
    return index !== -1
  }

  private interruptQuietly(): void {
    try {
      this.transmit({ type: FRAME.interrupt })
    } catch {
      // Not connected any more: the turn is over anyway.
    }
  }
}

function toWireError(frame: ErrorFrame): WireError {
  return { error: frame.error, code: frame.code, ...(frame.data !== undefined && { data: frame.data }) }
}
