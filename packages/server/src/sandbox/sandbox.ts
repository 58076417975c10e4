// The narrow interface the server depends on to isolate an agent. Two implementations:
// bubblewrap (the default: namespaces, a read-only file system, a host-side proxy as the
// only way out) and none (explicit opt-out). One Sandbox per server; one SandboxRun per CLI
// process.
import type { ChildProcess } from 'node:child_process'
import type { ResolvedLimits } from './limits.js'
import type { Enforcement, LimitHit } from './session-limiter.js'

import type { BudgetRefusal, ModelMeter } from '../usage/ledger.js'

export type { LimitHit }

/** `bubblewrap` isolates each CLI process; `none` runs it with the server's own rights. */
export type SandboxKind = 'bubblewrap' | 'none'

export const SANDBOX_KINDS: readonly SandboxKind[] = ['bubblewrap', 'none']

/** What one CLI process needs to run isolated. */
export interface SandboxSpec {
  /** The session it serves (for log lines). */
  sessionId: string
  /** The agent's working directory: writable inside the sandbox. */
  cwd: string
  /** The session's state directory (HOME, CLAUDE_CONFIG_DIR, TMPDIR): writable inside. */
  stateDir: string
  /** Where the command starts, inside `cwd`. @default cwd */
  workdir?: string
  /** The environment as built for an unisolated run, real credentials included. With a model
   * endpoint or credential in it, the run gets a model gateway; without (a plain command), none. */
  env: Record<string, string>
  /** Variables for the command alone (an exec request's): never in the environment of what runs
   * on the host around it (the limits' wrapper, bwrap), where LD_PRELOAD and the like would
   * act outside the sandbox. Over `env` inside, except what the sandbox sets itself. */
  commandEnv?: Record<string, string>
  /** Told about each failed model API call the run's gateway forwarded (it also logs them). */
  onModelFailure?: (failure: ModelFailure) => void
  /** The session's limits (every run of a session shares them). @default the sandbox's defaults */
  limits?: ResolvedLimits
  /** Told when a limit stopped something in the session's sandbox (it is also logged). */
  onLimitHit?: (hit: LimitHit) => void
  /** Counts the run's model usage and refuses its requests over a budget (bubblewrap only:
   * without a gateway there is nothing between the CLI and the API to count or refuse). */
  meter?: ModelMeter | undefined
  /** Told about each model request the run's gateway refused for a budget. */
  onBudgetRefused?: ((refusal: BudgetRefusal) => void) | undefined
}

/** The limits a sandbox applies: the server's defaults, and how it enforces them. */
export interface SandboxLimits {
  readonly defaults: ResolvedLimits
  /** `none`: no sandbox, nothing enforced. */
  readonly enforcement: Enforcement | 'none'
}

/** A model API call that failed beyond the sandbox: which upstream, and why. */
export interface ModelFailure {
  /** The real endpoint, e.g. `https://api.anthropic.com` (not the address inside the sandbox). */
  upstream: string
  /** The upstream's HTTP status, when it answered. */
  status?: number
  /** e.g. `connect ECONNREFUSED 10.0.0.1:443`, or `answered HTTP 503` */
  cause: string
}

/** A command line: what to execute and its arguments. */
export interface CommandLine {
  command: string
  args: string[]
}

export interface WrappedCommandLine extends CommandLine {
  /** Start it with an IPC channel as stdio[3] and give the child to `SandboxRun.spawned`. */
  ipc?: boolean
  /** Descriptors the process must get as its next stdio entries (after the IPC channel when
   * `ipc`), in order: the directories the sandbox binds, opened when they were checked. The
   * run owns them and closes them. */
  fds?: readonly number[]
}

/** One process's isolation (a CLI, or a command run in a session), prepared before it is spawned. */
export interface SandboxRun {
  /** The environment to give the CLI (for bubblewrap: placeholders instead of credentials). */
  readonly env: Record<string, string>
  /** Wraps the CLI's command line so that it runs inside the sandbox. `options.ipc`: the caller
   * can start it with an IPC channel; when the answer says `ipc`, it must (as stdio[3]) and
   * give the child to `spawned`, so the sandbox can hand a listener over it. */
  wrap(command: string, args: readonly string[], options?: { ipc?: boolean }): WrappedCommandLine
  /** The process started from a line whose `ipc` was set. */
  spawned?(child: ChildProcess): void
  /** Releases what the run holds (its proxy sockets). Call once the process has exited. */
  close(): Promise<void>
}

export interface Sandbox {
  readonly kind: SandboxKind
  readonly limits: SandboxLimits
  /**
   * Prepares the isolation of one CLI process. Synchronous so that it fits the SDK's
   * synchronous spawn hook; its sockets are bound before it returns.
   *
   * @example
   * const run = sandbox.prepare({ sessionId, cwd, stateDir, env })
   * const { command, args, fds = [] } = run.wrap('/path/to/claude', ['--output-format', 'stream-json'])
   * spawn(command, args, { cwd, env: run.env, stdio: ['pipe', 'pipe', 'pipe', ...fds] })  // ... and once it exited: await run.close()
   */
  prepare(spec: SandboxSpec): SandboxRun
  /** Whether the host path `real` (a real path) is out of sight of a process whose own
   * directories (bound writable) are `own`: what a lookup on the host must not report as there,
   * or a request learns which names exist where the sandbox hides them. @default nothing is */
  hides?(real: string, own: readonly string[]): boolean
  /** Stops everything the sandbox started; runs still open are closed. */
  close(): Promise<void>
}

export type SandboxErrorCode =
  /** `bwrap` is not installed (the message names the package). */
  | 'BWRAP_NOT_FOUND'
  /** `bwrap` exists but cannot create the namespaces it needs here. */
  | 'BWRAP_UNUSABLE'
  /** The configured credential cannot be kept outside the sandbox (e.g. Bedrock, Vertex). */
  | 'SANDBOX_UNSUPPORTED'
  /** An invalid sandbox setting (kind, allow-list entry). */
  | 'SANDBOX_INVALID_SETTING'

/** A sandbox that cannot be set up. Raised at server start-up, before any session runs. */
export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'SandboxError'
  }
}
