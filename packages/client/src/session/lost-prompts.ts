// Prompts lost in a connection cut. A prompt written to a socket just as it dropped may never
// have reached the server; it will never start, and its prompt() would wait forever. After a
// reconnect, a prompt sent on an earlier connection that has not started is known lost once
// the server is idle: it runs queued prompts before it goes idle, and it had received whatever
// the old connection delivered before it accepted the new one. Re-sending is not safe (the server
// does not deduplicate prompts), so such prompts reject with PROMPT_LOST.
import type { ServerFrame, SessionState } from '@claude-agent/protocol'
import { FRAME } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import { getSession } from '../http/sessions.js'
import type { TurnTracker } from './turns.js'

const BUSY: ReadonlySet<SessionState> = new Set<SessionState>(['running', 'waiting_for_approval'])
const IDLE: ReadonlySet<SessionState> = new Set<SessionState>(['idle', 'suspended'])

export interface LostPromptCheckOptions {
  turns: TurnTracker
  baseUrl: string
  token: string | undefined
  sessionId: () => string | undefined
  /** The connection's position: its number, the session's lastSeq when it attached, the last seq delivered. */
  position: () => { epoch: number; baseSeq: number; cursor: number | undefined }
  signal: AbortSignal
  log: DebugLog
}

export class LostPromptCheck {
  /** The server was idle at this seq (GET /sessions/:id after the reconnect `epoch`). */
  private idleAt?: { epoch: number; seq: number }

  constructor(private readonly options: LostPromptCheckOptions) {}

  /** Connection `epoch` (> 1) is up: ask the server whether it is idle, if a prompt may be lost. */
  afterReconnect(): void {
    const { turns, sessionId, baseUrl, token, signal, log, position } = this.options
    const { epoch } = position()
    const id = sessionId()
    if (id === undefined || !turns.hasUnstartedBefore(epoch)) return
    getSession(id, { baseUrl, token, log, signal })
      .then((info) => {
        const now = position()
        if (BUSY.has(info.state) || now.epoch !== epoch) return // going idle later shows in the events
        this.idleAt = { epoch, seq: info.lastSeq }
        if ((now.cursor ?? 0) >= info.lastSeq) this.fail(epoch)
      })
      .catch((error: unknown) => log(`could not check for lost prompts: ${String(error)}`))
  }

  /** Feed every event, after the connection's and the turns' bookkeeping. */
  observe(frame: ServerFrame): void {
    const { epoch, baseSeq, cursor } = this.options.position()
    // The server went idle after this connection attached.
    const idleNow = frame.type === FRAME.sessionState && IDLE.has(frame.state) && frame.seq !== undefined && frame.seq > baseSeq
    // The server was idle when asked, and every event up to then has been delivered.
    const caughtUp = this.idleAt !== undefined && this.idleAt.epoch === epoch && (cursor ?? 0) >= this.idleAt.seq
    if (idleNow || caughtUp) this.fail(epoch)
  }

  private fail(epoch: number): void {
    this.idleAt = undefined
    const error = new ClaudeAgentClientError(
      'PROMPT_LOST',
      'The prompt was sent as the connection dropped and never reached the server, so nothing ran; send it again',
    )
    this.options.turns.failUnstartedBefore(epoch, error)
  }
}
