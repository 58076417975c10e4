// Owns the server's sessions: creates, lists, deletes them, restores them from the store after
// a restart (marking turns the restart cut short), and stops them on shutdown. The default
// session, which the original protocol speaks to, is one of them.
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { CreateSessionRequest, QueryConfig, SessionConfig, SessionInfo } from '@claude-agent/protocol'
import type { AgentFactory } from '../agent/agent.js'
import { buildAgentEnv } from '../agent/agent-env.js'
import { killOrphanedAgents } from '../agent/orphans.js'
import type { SessionRecord, Store } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import { Workspace } from '../files/workspace-path.js'
import type { Logger } from '../logger.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import { secrets as secretRegistry } from '../secrets.js'
import type { ServerSettings } from '../settings.js'
import { Session } from './session.js'

export const DEFAULT_SESSION_ID = 'default'

export interface SessionManagerOptions {
  settings: ServerSettings
  agents: AgentFactory
  store: Store
  logger: Logger
  scrub: (text: string) => string
  /** Isolates each CLI process. */
  sandbox: Sandbox
}

/** Secrets never reach the store; they live in memory for the life of the process. */
function withoutSecrets(config: SessionConfig): SessionConfig {
  const { anthropicApiKey: _secret, ...rest } = config
  return rest
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>()
  /** Each session's config as stored (no secrets). */
  private readonly configs = new Map<string, SessionConfig>()
  /** Per-session secrets (config.anthropicApiKey), kept out of the store. */
  private readonly secrets = new Map<string, string>()
  private stopping = false
  private readonly workspace: Workspace

  constructor(private readonly options: SessionManagerOptions) {
    mkdirSync(options.settings.workspaceDir, { recursive: true })
    this.workspace = new Workspace(options.settings.workspaceDir)
    const orphans = killOrphanedAgents(join(options.settings.dataDir, 'sessions'))
    if (orphans.length > 0) options.logger.warn(`killed ${orphans.length} agent process(es) left by a previous server: ${orphans.join(', ')}`)
    for (const record of options.store.listSessions()) this.restore(record)
    if (!this.sessions.has(DEFAULT_SESSION_ID)) {
      this.insert({ id: DEFAULT_SESSION_ID, conversationId: randomUUID(), createdAt: new Date().toISOString(), config: {}, state: 'suspended', allowedTools: [] })
    }
  }

  get shuttingDown(): boolean {
    return this.stopping
  }

  /** Whether a session's next CLI answers from the offline demo model: the server has no
   * credential of its own and the session's config posted no key. */
  isDemo(id: string = DEFAULT_SESSION_ID): boolean {
    return this.options.settings.demoModelUrl !== undefined && !this.secrets.has(id)
  }

  /** The posted config of the default session (secrets included: never return it as is). */
  getConfig(): QueryConfig {
    return this.configOf(DEFAULT_SESSION_ID)
  }

  /** Replaces the default session's config (as the original did); a running agent keeps its own. */
  setConfig(config: QueryConfig): void {
    this.rememberSecret(DEFAULT_SESSION_ID, config)
    this.configs.set(DEFAULT_SESSION_ID, withoutSecrets(config))
    this.options.store.updateSessionConfig(DEFAULT_SESSION_ID, withoutSecrets(config))
  }

  create(request: CreateSessionRequest): Session {
    const id = request.id ?? `s_${randomUUID().replaceAll('-', '').slice(0, 20)}`
    if (this.sessions.has(id)) throw new ServerError('SESSION_EXISTS', `A session with id "${id}" already exists`)
    const config = request.config ?? {}
    this.realCwd(config.cwd)
    this.rememberSecret(id, config)
    return this.insert({ id, conversationId: randomUUID(), createdAt: new Date().toISOString(), config: withoutSecrets(config), state: 'suspended', allowedTools: [] })
  }

  get(id: string): Session {
    const session = this.sessions.get(id)
    if (!session) throw new ServerError('SESSION_NOT_FOUND', `No session with id "${id}"`)
    return session
  }

  get defaultSession(): Session {
    return this.get(DEFAULT_SESSION_ID)
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info())
  }

  get size(): number {
    return this.sessions.size
  }

  /** Deletes a session, its history and its CLI state. The default session cannot be deleted. */
  delete(id: string): void {
    if (id === DEFAULT_SESSION_ID) throw new ServerError('INVALID_REQUEST', 'The default session cannot be deleted')
    const session = this.get(id)
    session.close()
    // Once its CLI has exited; unless a new session took the id meanwhile.
    void session.settled().then(() => {
      if (!this.sessions.has(id)) rmSync(this.stateDir(id), { recursive: true, force: true })
    })
    this.sessions.delete(id)
    this.configs.delete(id)
    this.secrets.delete(id)
    this.options.store.deleteSession(id)
  }

  /** Let running turns finish for up to `graceMs` (no queued prompt starts meanwhile), then
   * interrupt the rest, then stop every agent. With 0: stop at once, recording running turns
   * as interrupted. Resolves once every CLI process has exited. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true
    for (const session of this.sessions.values()) session.drain()
    if (graceMs > 0) {
      const running = () => [...this.sessions.values()].filter((s) => s.isTurnRunning)
      const until = async (deadline: number) => {
        while (running().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      }
      await until(Date.now() + graceMs)
      for (const session of running()) await session.interrupt()
      await until(Date.now() + 2_000)
    }
    for (const session of this.sessions.values()) session.stop('the server shut down')
    await Promise.all([...this.sessions.values()].map((s) => s.settled()))
  }

  private patchConfig(id: string, patch: Partial<SessionConfig>): void {
    const next = { ...this.configs.get(id), ...patch }
    this.configs.set(id, next)
    this.options.store.updateSessionConfig(id, next)
  }

  private configOf(id: string): SessionConfig {
    const stored = this.configs.get(id) ?? {}
    const secret = this.secrets.get(id)
    return secret === undefined ? stored : { ...stored, anthropicApiKey: secret }
  }

  private rememberSecret(id: string, config: QueryConfig): void {
    if (config.anthropicApiKey) this.secrets.set(id, config.anthropicApiKey)
    else this.secrets.delete(id)
    secretRegistry.addPosted(config.anthropicApiKey)
  }

  private insert(record: SessionRecord): Session {
    this.options.store.insertSession(record)
    return this.restore(record)
  }

  /** Wraps a stored record; a turn the last process was running is recorded as interrupted. */
  private restore(record: SessionRecord): Session {
    const session = this.build(record)
    this.sessions.set(record.id, session)
    this.configs.set(record.id, record.config)
    session.recoverAfterRestart()
    return session
  }

  private build(record: SessionRecord): Session {
    const { settings } = this.options
    const stateDir = this.stateDir(record.id)
    const isDefault = record.id === DEFAULT_SESSION_ID
    const cwd = this.lexicalCwd(record.config.cwd)
    // The sandbox reports model API failures to the session built here.
    let session: Session | undefined
    session = new Session({
      record,
      cwd,
      agents: this.options.agents,
      store: this.options.store,
      logger: this.options.logger,
      scrub: this.options.scrub,
      // The original protocol has no frame to answer an approval with, so the default session
      // bypasses permissions unless its config says otherwise; named sessions ask.
      configSource: () => ({ permissionMode: isDefault ? 'bypassPermissions' : 'default', ...this.configOf(record.id) }),
      patchConfig: (patch) => this.patchConfig(record.id, patch),
      permissionTimeoutMs: settings.permissionTimeoutMs,
      turnSilenceTimeoutMs: settings.turnSilenceTimeoutMs,
      interruptTimeoutMs: settings.interruptTimeoutMs,
      buildEnv: (config) =>
        buildAgentEnv({ agentVars: settings.agentVars, demoModelUrl: settings.demoModelUrl, config, stateDir }),
      isolate: (env) => {
        // Resolved again at each start: a link on the way may have been swapped since creation.
        const realCwd = this.realCwd(this.configs.get(record.id)?.cwd)
        try {
          return this.options.sandbox.prepare({ sessionId: record.id, cwd: realCwd, stateDir, env, onModelFailure: (f) => session?.modelFailed(f) })
        } catch (err) {
          const why = this.options.scrub(err instanceof Error ? err.message : String(err))
          throw new ServerError('AGENT_START_FAILED', `The sandbox for the Claude Code process could not be prepared: ${why}`)
        }
      },
      idleTimeoutMs: settings.idleTimeoutMs,
      releaseWhenUnattended: isDefault,
    })
    return session
  }

  /** Where a session keeps its CLI state (HOME, CLAUDE_CONFIG_DIR, TMPDIR); exec uses it too. */
  stateDir(id: string): string {
    return join(this.options.settings.dataDir, 'sessions', id)
  }

  /** A session's working directory as a stable name (for its info and the CLI's transcript
   * location); never used to bind or start a process, see realCwd. */
  private lexicalCwd(cwd: string | undefined): string {
    const root = this.options.settings.workspaceDir
    return cwd === undefined ? root : join(root, posix.normalize(cwd))
  }

  /** A session's working directory, real (symlinks resolved) and inside the workspace, created
   * if missing. What the sandbox binds: called at creation and at every start of its agent. */
  private realCwd(cwd: string | undefined): string {
    try {
      return this.workspace.directorySync(cwd ?? '.', { create: true })
    } catch (err) {
      if (!(err instanceof ServerError)) throw err
      throw new ServerError(err.code, `config.cwd: ${err.message}`, {
        ...(err.data as object),
        issues: [{ path: 'config.cwd', message: err.message }],
      })
    }
  }
}
