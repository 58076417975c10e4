// Whether a turn runs in the client's session, told to the provider (an E2B sandbox renews its
// timeout while the agent works). A prompt sent counts at once; `session_state` frames settle it,
// including turns other clients started.
import type { ServerFrame, SessionState } from '@claude-agent/protocol'
import { FRAME } from '@claude-agent/protocol'
import type { SandboxProvider } from './providers/provider.js'

const BUSY: ReadonlySet<SessionState> = new Set<SessionState>(['running', 'waiting_for_approval'])

export class TurnActivity {
  private busy = false

  constructor(private readonly provider: () => SandboxProvider | undefined) {}

  promptSent(): void {
    this.set(true)
  }

  observe(frame: ServerFrame): void {
    if (frame.type === FRAME.sessionState) this.set(BUSY.has(frame.state))
  }

  /** The connection is gone: nothing this client can see runs. */
  reset(): void {
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
