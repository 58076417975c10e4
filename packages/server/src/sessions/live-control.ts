// Control requests on a session while it lives: interrupt, a mode or model change (applied to
// the live CLI when it takes it, else to a fresh one), and the lists only a CLI can answer.
import type { ControlRequest } from '@claude-agent/protocol'
import type { AgentRun } from '../agent/agent.js'
import type { EventFrame } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import type { AgentSupervisor } from './agent-supervisor.js'
import type { OwnConfig } from './session-config.js'
import type { Turns } from './turns.js'

export interface Controlled {
  id: string
  agent: AgentSupervisor
  turns: Turns
  config: OwnConfig
  logger: Logger
  emit(frame: EventFrame): void
  describe(err: unknown): string
  /** The live CLI, started (and reported idle) when none runs. */
  liveAgent(): AgentRun
}

type LiveChange = Extract<ControlRequest, { subtype: 'set_permission_mode' | 'set_model' }>

export async function control(request: ControlRequest, session: Controlled): Promise<unknown> {
  switch (request.subtype) {
    case 'interrupt':
      return { interrupted: await session.turns.interrupt() }
    case 'set_permission_mode':
    case 'set_model': {
      const patch = request.subtype === 'set_model' ? { model: request.model } : { permissionMode: request.mode }
      const applied = await applyLive(request, session)
      await session.config.patch(patch)
      const what =
        request.subtype === 'set_model' ? `Model set to ${request.model ?? 'the default'}` : `Permission mode set to ${request.mode}`
      session.emit({ type: 'info', message: `${what} (${applied === 'now' ? 'now' : 'from the next turn'})`, source: 'server' })
      return { ...patch, applied }
    }
    default:
      return session.liveAgent().control(request)
  }
}

/** Applies a mode or model change to the live CLI. When the CLI refuses (it cannot switch
 * into bypass mode unless launched for it) the change waits for a fresh CLI: at once when
 * idle, else after the running turn. The conversation resumes either way (from its transcript:
 * with persistSession false the fresh CLI starts a new one). */
async function applyLive(request: LiveChange, session: Controlled): Promise<'now' | 'next_turn'> {
  const run = session.agent.agent?.run
  if (!run) return 'next_turn'
  try {
    await run.control(request)
    return 'now'
  } catch (err) {
    session.logger.info(`${request.subtype} needs a fresh CLI: ${session.describe(err)}`)
    session.turns.restartForChange()
    return 'next_turn'
  }
}
