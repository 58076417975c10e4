// Whether a turn runs in the client's session, told to the provider (an E2B sandbox renews its
// timeout while the agent works). A prompt sent counts at once; `session_state` frames settle it,
// including turns other clients started, and a prompt the server refuses (an error naming its
// uuid) settles back to the last state seen: no turn started, so nothing keeps the sandbox up.
import type { ServerFrame, SessionState } from '@claude-agent/protocol'
import { FRAME } from '@claude-agent/protocol'
import type { SandboxProvider } from './providers/provider.js'

const BUSY: ReadonlySet<SessionState> = new Set<SessionState>(['running', 'waiting_for_approval'])

const refusesPrompt = (frame: ServerFrame) =>
  frame.type === FRAME.error && typeof (frame.data as { uuid?: unknown } | undefined)?.uuid === 'string'

export class TurnActivity {
  private busy = false
  private lastState: SessionState | undefined

  constructor(private readonly provider: () => SandboxProvider | undefined) {}

  promptSent(): void {
    this.set(true)
  }

  observe(frame: ServerFrame): void {
    if (frame.type === FRAME.sessionState) this.lastState = frame.state
    if (frame.type === FRAME.sessionState || refusesPrompt(frame)) this.set(this.lastState !== undefined && BUSY.has(this.lastState))
  }

  /** The connection is gone: nothing this client can see runs. */
  reset(): void {
    this.lastState = undefined
    this.set(false)
  }

  private set(busy: boolean): void {
    if (busy === this.busy) return
    this.busy = busy
    const provider = this.provider()
    if (busy) provider?.onTurnStart?.()
    else provider?.onTurnEnd?.()
  }
}
