// Server settings, read once from the environment (and .env, loaded by main.ts).
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { pickAgentVars } from './credentials.js'
import { parseTokens, type AuthToken } from './http/auth.js'
import type { LogLevel } from './logger.js'
import { SANDBOX_KINDS, SandboxError, type SandboxKind } from './sandbox/sandbox.js'

export interface ServerSettings {
  /** @default '127.0.0.1' */
  host: string
  /** @default 3000 (0 picks a free port) */
  port: number
  /** Where sessions keep their CLI state (HOME, CLAUDE_CONFIG_DIR, TMPDIR). */
  dataDir: string
  /** The agent's working directory; created if missing. @default `<dataDir>/workspace` */
  workspaceDir: string
  /** Endpoint, credentials and CLI tuning passed to the agent (see credentials.ts). */
  agentVars: Record<string, string>
  /** Set in offline demo mode: the scripted model the agent talks to instead of the API. */
  demoModelUrl?: string
  /** Largest client frame accepted; larger ones get FRAME_TOO_LARGE. @default 16 MiB */
  maxFrameBytes: number
  /** Largest HTTP body accepted; larger ones get BODY_TOO_LARGE. @default 1 MiB */
  maxBodyBytes: number
  /** Largest file `PUT /files/content` accepts; larger ones get BODY_TOO_LARGE. @default 1 GiB */
  maxFileBytes?: number
  /** @default 'info' */
  logLevel: LogLevel
  /** A session idle this long releases its CLI process; 0 never. @default 5 minutes */
  idleTimeoutMs: number
  /** A client over this many bytes unsent for slowClientGraceMs, or over 4x it at any time,
   * is cut off (SLOW_CONSUMER). @default 4 MiB */
  maxClientBufferBytes: number
  /** @default 5000 */
  slowClientGraceMs: number
  /** Start a session's CLI when a client attaches, ahead of its first prompt. @default true */
  prewarm: boolean
  /** A permission request nobody answers within this time is denied. @default 5 minutes */
  permissionTimeoutMs: number
  /** A turn whose CLI sends nothing this long while no tool runs and no approval is open is
   * ended (TURN_STALLED) and its CLI stopped; 0 never. Above the CLI's own API timeout (10 min)
   * it would only catch a wedged CLI. @default 10 minutes */
  turnSilenceTimeoutMs: number
  /** A turn the CLI has not ended this long after an interrupt is ended and its CLI stopped. @default 10 s */
  interruptTimeoutMs: number
  /** Bearer tokens clients must present (AUTH_TOKENS=label:token,... or AUTH_TOKEN=token).
   * None: open, which main.ts allows on loopback only (beyond it, it generates one). */
  authTokens: AuthToken[]
  /** On SIGTERM, how long running turns may take to finish before they are interrupted. @default 10 s */
  shutdownGraceMs: number
  /** How each CLI process is isolated (see docs/sandbox.md). `none` must be asked for. @default 'bubblewrap' */
  sandbox: SandboxKind
  /** Destinations the sandbox's egress proxy allows (`host`, `host:port`, `*.domain`).
   * @default the model API's host and port */
  sandboxAllowedHosts?: string[]
  /** More host paths hidden from the sandbox (homes, the data dir, /tmp, /run and `.env` always are). */
  sandboxHide?: string[]
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']

function intFrom(env: Record<string, string | undefined>, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`)
  return value
}

const list = (raw: string | undefined) =>
  raw === undefined || raw.trim() === '' ? undefined : raw.split(',').map((s) => s.trim()).filter(Boolean)

/** `SANDBOX`, overridden by a `--sandbox <kind>` (or `--sandbox=<kind>`) argument. */
export function sandboxKindFrom(env: Record<string, string | undefined>, argv: readonly string[] = []): SandboxKind {
  let raw = env['SANDBOX'] || 'bubblewrap'
  argv.forEach((arg, i) => {
    if (arg === '--sandbox') raw = argv[i + 1] ?? ''
    else if (arg.startsWith('--sandbox=')) raw = arg.slice('--sandbox='.length)
  })
  if (!SANDBOX_KINDS.includes(raw as SandboxKind)) {
    throw new SandboxError('SANDBOX_INVALID_SETTING', `--sandbox / SANDBOX must be one of ${SANDBOX_KINDS.join(', ')}, got "${raw}"`)
  }
  return raw as SandboxKind
}

export function defaultDataDir(env: Record<string, string | undefined>): string {
  const base = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share')
  return join(base, 'claude-agent-server')
}

export function settingsFromEnv(
  env: Record<string, string | undefined> = process.env,
  argv: readonly string[] = [],
): ServerSettings {
  const dataDir = resolve(env['DATA_DIR'] || defaultDataDir(env))
  const logLevel = (env['LOG_LEVEL'] || 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  const port = intFrom(env, 'PORT', 3000)
  if (port > 65535) throw new Error(`PORT must be at most 65535, got ${port}`)
  return {
    host: env['HOST'] || '127.0.0.1',
    port,
    dataDir,
    workspaceDir: resolve(env['WORKSPACE_DIR'] || join(dataDir, 'workspace')),
    agentVars: pickAgentVars(env),
    maxFrameBytes: intFrom(env, 'MAX_FRAME_BYTES', 16 * 1024 * 1024, 1024),
    maxBodyBytes: intFrom(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    maxFileBytes: intFrom(env, 'MAX_FILE_BYTES', 1024 ** 3, 1),
    logLevel,
    idleTimeoutMs: intFrom(env, 'SESSION_IDLE_TIMEOUT_MS', 5 * 60_000),
    maxClientBufferBytes: intFrom(env, 'MAX_CLIENT_BUFFER_BYTES', 4 * 1024 * 1024, 1024),
    slowClientGraceMs: intFrom(env, 'SLOW_CLIENT_GRACE_MS', 5_000),
    shutdownGraceMs: intFrom(env, 'SHUTDOWN_GRACE_MS', 10_000),
    permissionTimeoutMs: intFrom(env, 'PERMISSION_TIMEOUT_MS', 5 * 60_000, 1),
    turnSilenceTimeoutMs: intFrom(env, 'TURN_SILENCE_TIMEOUT_MS', 10 * 60_000),
    interruptTimeoutMs: intFrom(env, 'INTERRUPT_TIMEOUT_MS', 10_000, 1),
    prewarm: env['PREWARM'] !== '0' && env['PREWARM'] !== 'false',
    authTokens: [...parseTokens(env['AUTH_TOKENS']), ...parseTokens(env['AUTH_TOKEN'])],
    sandbox: sandboxKindFrom(env, argv),
    sandboxAllowedHosts: list(env['SANDBOX_ALLOWED_HOSTS']),
    sandboxHide: list(env['SANDBOX_HIDE']),
  }
}

/** The SQLite file holding sessions and their event logs. */
export const databasePath = (settings: ServerSettings) => join(settings.dataDir, 'sessions.db')
