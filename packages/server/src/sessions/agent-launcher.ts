// Starts one CLI process for a session: its environment (the session's state directory, its
// key or the demo model), its sandbox (binding the session's directory, resolved again at each
// start), and the agent itself. What every session shares comes from the server's LaunchContext.
import { join, posix } from 'node:path'
import type { AgentProfile, SessionConfig } from '@claude-agent/protocol'
import type { AgentFactory, AgentRun, AgentStartOptions } from '../agent/agent.js'
import { deferredRun } from '../agent/deferred-run.js'
import { buildAgentEnv } from '../agent/agent-env.js'
import { ServerError } from '../errors.js'
import type { UsageCache } from '../files/usage.js'
import { sandboxFailed } from '../metrics/metrics.js'
import type { Workspace } from '../files/workspace-path.js'
import { resolveLimits } from '../sandbox/limits.js'
import type { LimitHit, ModelFailure, Sandbox } from '../sandbox/sandbox.js'
import type { WorkspaceLayout } from './workspace-layout.js'
import type { BudgetRefusal, Ledger, MeteredSession } from '../usage/ledger.js'
import type { PooledAgent } from './warm-pool.js'
import type { AgentCapacity } from './agent-capacity.js'

/** What the agents of every session share. */
export interface LaunchContext {
  agents: AgentFactory
  sandbox: Sandbox
  /** Where each session's directory is. */
  layout: WorkspaceLayout
  /** The sessions' directory sizes, as last measured. */
  usage: UsageCache
  /** Endpoint and credentials from the server's settings. */
  agentVars: Record<string, string>
  /** The scripted model's URL in offline demo mode. */
  demoModelUrl: string | undefined
  /** The profile of a session whose config names none. */
  profile: AgentProfile
  scrub: (text: string) => string
  /** Counts each session's model usage and holds the budgets. */
  ledger: Ledger | undefined
  /** How many CLIs may run at once (MAX_RUNNING_AGENTS); none: no cap. */
  capacity?: AgentCapacity
}

export interface LaunchHooks extends Pick<AgentStartOptions, 'onStderr' | 'canUseTool'> {
  onModelFailure: (failure: ModelFailure) => void
  /** A limit of the session's sandbox stopped something (a fork refused, a process killed). */
  onLimitHit: (hit: LimitHit) => void
  onBudgetRefused: (refusal: BudgetRefusal) => void
}

export interface Launched {
  run: AgentRun
  resumed: boolean
}

/** A session's working directory, real (symlinks resolved) and inside its workspace, created if
 * missing. What the sandbox binds: checked at creation and at every start of its agent. */
export function realSessionCwd(workspace: Workspace, cwd: string | undefined): string {
  try {
    return workspace.directorySync(cwd ?? '.', { create: true })
  } catch (err) {
    if (!(err instanceof ServerError)) throw err
    throw new ServerError(err.code, `config.cwd: ${err.message}`, {
      ...(err.data as object),
      issues: [{ path: 'config.cwd', message: err.message }],
    })
  }
}

/** A session's working directory as a stable name (for its info and the CLI's transcript
 * location); never used to bind or start a process, see realSessionCwd. */
export function lexicalSessionCwd(workspace: Workspace, cwd: string | undefined): string {
  return cwd === undefined ? workspace.root : join(workspace.root, posix.normalize(cwd))
}

export class AgentLauncher {
  private pooled: PooledAgent | undefined

  constructor(
    private readonly context: LaunchContext,
    /** The session's own workspace (or the shared one it names). */
    readonly workspace: Workspace,
    private readonly sessionId: string,
    private readonly conversationId: string,
    /** The session's state directory (HOME, CLAUDE_CONFIG_DIR, TMPDIR of its CLI). */
    readonly stateDir: string,
    /** The lexical working directory (see lexicalSessionCwd). */
    readonly cwd: string,
    /** Whose spending its model requests are. */
    private readonly metered: MeteredSession,
  ) {}

  get demoModelUrl(): string | undefined {
    return this.context.demoModelUrl
  }

  /** A CLI the warm pool started for this session: its first launch takes it, when the config
   * is still the one it started with (else it is closed and a fresh one starts). */
  adopt(pooled: PooledAgent): void {
    this.pooled = pooled
  }

  /** A pooled CLI waits for this session's first launch (counted under the cap already). */
  get holdsPooled(): boolean {
    return this.pooled !== undefined
  }

  /** Throws a ServerError (AGENT_START_FAILED, PATH_OUTSIDE_WORKSPACE) when it cannot start.
   * `ready`: the agent cap's word that the CLI's process may start (see agent-capacity.ts);
   * everything else is checked and prepared now. */
  launch(posted: SessionConfig, hooks: LaunchHooks, ready?: Promise<void>): Launched {
    const pooled = this.pooled
    this.pooled = undefined
    if (pooled && JSON.stringify(pooled.config) === JSON.stringify(posted)) {
      pooled.hooks.target = hooks
      return pooled.launched
    }
    // A pooled CLI of another config goes; the fresh one starts once it has exited (it was counted).
    const replaced = pooled?.launched.run.close()
    const gate = replaced && ready ? Promise.all([replaced, ready]).then(() => undefined) : (replaced ?? ready)
    const { agents, agentVars, demoModelUrl } = this.context
    const config: SessionConfig = { ...posted, profile: posted.profile ?? this.context.profile }
    const env = buildAgentEnv({ agentVars, demoModelUrl, config, stateDir: this.stateDir })
    const resumed = agents.canResume(env, this.conversationId)
    const sandbox = this.prepareSandbox(config, env, hooks)
    const start = () =>
      agents.start({
        config,
        cwd: this.cwd,
        env: sandbox.env,
        sandbox,
        conversationId: this.conversationId,
        resume: resumed,
        onStderr: hooks.onStderr,
        canUseTool: hooks.canUseTool,
      })
    return { run: gate ? deferredRun(gate, start) : start(), resumed }
  }

  private prepareSandbox(config: SessionConfig, env: Record<string, string>, hooks: LaunchHooks) {
    // Resolved again at each start: a link on the way may have been swapped since creation.
    const cwd = realSessionCwd(this.workspace, config.cwd)
    try {
      const { sandbox } = this.context
      // In the session's cgroup (shared with its `exec` commands) from before its first instruction.
      const limits = resolveLimits(config, sandbox.limits.defaults)
      const { onModelFailure, onLimitHit, onBudgetRefused } = hooks
      const meter = this.context.ledger?.meterFor(this.metered)
      return sandbox.prepare({
        sessionId: this.sessionId,
        cwd,
        stateDir: this.stateDir,
        env,
        onModelFailure,
        limits,
        onLimitHit,
        meter,
        onBudgetRefused,
      })
    } catch (err) {
      sandboxFailed('prepare')
      const why = this.context.scrub(err instanceof Error ? err.message : String(err))
      throw new ServerError('AGENT_START_FAILED', `The sandbox for the Claude Code process could not be prepared: ${why}`)
    }
  }
}
