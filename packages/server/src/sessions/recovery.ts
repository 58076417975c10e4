// A session restored from the store after a restart, brought in line with reality: no CLI
// survives a restart, a turn the previous process was running is over, and the permission
// requests it left open are denied.
import type { ErrorCode, SessionConfig, SessionState } from '@claude-agent/protocol'
import type { EventFrame, EventLog } from '../event-log/event-log.js'
import { nextPromptResumes } from './next-prompt.js'
import { orphanedRequests } from './permission-broker.js'

export interface Recovering {
  id: string
  state: SessionState
  log: EventLog
  emit(frame: EventFrame): void
  emitError(code: ErrorCode, message: string): void
  setState(state: SessionState): void
  /** The config its next CLI starts with (whether a transcript is kept). */
  config: SessionConfig
}

export async function recoverAfterRestart(session: Recovering): Promise<void> {
  const wasWorking = session.state === 'running' || session.state === 'waiting_for_approval'
  if (wasWorking) {
    // Scan for open requests even when the state says `running`: a kill can land between the
    // request event and the state change that follows it.
    const events = await session.log.readTypes(session.id, ['permission_request', 'permission_resolved'], 0, 100_000)
    for (const { requestId, toolName } of orphanedRequests(events)) {
      session.emit({
        type: 'permission_resolved',
        requestId,
        toolName,
        decision: 'deny',
        scope: 'once',
        reason: 'restart',
        message: 'The server stopped while this request was open.',
      })
    }
    session.emitError(
      'INTERRUPTED_BY_RESTART',
      `The server stopped while this turn ran; the next prompt ${nextPromptResumes(session.config)}`,
    )
  }
  if (session.state !== 'failed') session.setState('suspended')
}
