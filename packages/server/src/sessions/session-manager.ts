// Owns the server's sessions and the posted query config. Today it holds the default session
// the original protocol speaks to; named sessions are added beside it.
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { QueryConfig } from '@claude-agent/protocol'
import type { AgentFactory } from '../agent/agent.js'
import { buildAgentEnv } from '../agent/agent-env.js'
import type { EventLog } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ServerSettings } from '../settings.js'
import { Session } from './session.js'

export const DEFAULT_SESSION_ID = 'default'

export interface SessionManagerOptions {
  settings: ServerSettings
  agents: AgentFactory
  log: EventLog
  logger: Logger
  scrub: (text: string) => string
}

export class SessionManager {
  private config: QueryConfig = {}
  private readonly sessions = new Map<string, Session>()

  constructor(private readonly options: SessionManagerOptions) {
    mkdirSync(options.settings.workspaceDir, { recursive: true })
    this.sessions.set(DEFAULT_SESSION_ID, this.createDefaultSession())
  }

  /** The config the next agent start of the default session uses. */
  getConfig(): QueryConfig {
    return this.config
  }

  /** Replaces the posted config (as the original did); running agents keep theirs. */
  setConfig(config: QueryConfig): void {
    this.config = config
  }

  get(id: string): Session {
    const session = this.sessions.get(id)
    if (!session) throw new ServerError('SESSION_NOT_FOUND', `No session with id "${id}"`)
    return session
  }

  get defaultSession(): Session {
    return this.get(DEFAULT_SESSION_ID)
  }

  closeAll(): void {
    for (const session of this.sessions.values()) session.close()
  }

  private createDefaultSession(): Session {
    const { settings } = this.options
    const stateDir = join(settings.dataDir, 'sessions', DEFAULT_SESSION_ID)
    return new Session({
      id: DEFAULT_SESSION_ID,
      conversationId: randomUUID(),
      cwd: settings.workspaceDir,
      agents: this.options.agents,
      log: this.options.log,
      logger: this.options.logger,
      scrub: this.options.scrub,
      // The original protocol has no frame to answer an approval with, so it bypasses
      // permissions unless the posted config asks otherwise.
      configSource: () => ({ permissionMode: 'bypassPermissions', ...this.config }),
      buildEnv: (config) =>
        buildAgentEnv({ agentVars: settings.agentVars, demoModelUrl: settings.demoModelUrl, config, stateDir }),
      releaseWhenUnattended: true,
    })
  }
}
