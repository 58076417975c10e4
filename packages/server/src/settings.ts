// Server settings, read once from the command line and the environment (and .env, loaded by
// main.ts). A flag wins over its variable.
import { DEFAULT_AUDIT_RETENTION } from './audit/audit-log.js'
import { homedir, totalmem } from 'node:os'
import { clusterSettingsFromEnv, type ClusterSettings } from './cluster/cluster-settings.js'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { agentOtelFrom, type AgentOtelSettings } from './agent/otel-env.js'
import { AGENT_PROFILES, type AgentProfile } from '@claude-agent/protocol'
import { pickAgentVars } from './credentials.js'
import { PERMISSION_MODES, type PermissionMode } from '@claude-agent/protocol'
import { parseTokens, TokenSpecError, type AuthToken } from './http/auth.js'
import type { LogFormat, LogLevel } from './logger.js'
import { CPU_WEIGHT_MAX, parseByteSize } from '@claude-agent/protocol'
import { DEFAULT_LIMITS, type ResolvedLimits } from './sandbox/limits.js'
import { SANDBOX_KINDS, SandboxError, type SandboxKind } from './sandbox/sandbox.js'
import type { OidcSettings } from './tenancy/oidc.js'
import { isRole } from './tenancy/principal.js'
import { webhookSettingsFromEnv, type WebhookSettings } from './webhooks/config.js'
import { MAX_TIMER_MS } from './max-timer.js'
import { DEFAULT_QUERY_TIMEOUT_MS } from './event-log/postgres-unavailable.js'

export interface ServerSettings {
  /** @default '127.0.0.1' */
  host: string
  /** @default 3000 (0 picks a free port) */
  port: number
  /** Where sessions keep their CLI state (HOME, CLAUDE_CONFIG_DIR, TMPDIR). */
  dataDir: string
  /** A PostgreSQL URL (DATABASE_URL): the store lives there. @default none: SQLite in dataDir */
  databaseUrl?: string | undefined
  /** With databaseUrl: a query unanswered this long fails (STORE_FAILED, HTTP 503) and the
   * database cancels a statement running this long (DATABASE_QUERY_TIMEOUT_MS); 0 never.
   * @default 30 s */
  databaseQueryTimeoutMs?: number | undefined
  /** The agent's working directory; created if missing. @default `<dataDir>/workspace` */
  workspaceDir: string
  /** Endpoint, credentials and CLI tuning passed to the agent (see credentials.ts). */
  agentVars: Record<string, string>
  /** The agent profile of sessions whose config names none (AGENT_PROFILE). @default 'default' */
  agentProfile: AgentProfile
  /** Set in offline demo mode: the scripted model the agent talks to instead of the API. */
  demoModelUrl?: string
  /** Largest client frame accepted; larger ones get FRAME_TOO_LARGE. @default 16 MiB */
  maxFrameBytes: number
  /** Largest HTTP body accepted; larger ones get BODY_TOO_LARGE. @default 1 MiB */
  maxBodyBytes: number
  /** Largest file `PUT /files/content` accepts; larger ones get BODY_TOO_LARGE. @default 1 GiB */
  maxFileBytes?: number
  /** Client connections open at once; more are closed as they arrive.
   * @default three quarters of the open-file limit (http/connection-limit.ts) */
  maxConnections?: number
  /** Sessions a member may own at once; 0: no limit. Admins are not counted. @default 20 */
  maxSessionsPerPrincipal?: number
  /** WebSockets a member or viewer may hold open at once; 0: no limit. Admins are not counted. @default 64 */
  maxSocketsPerPrincipal?: number
  /** Claude Code processes running at once on this server (the warm pool's too); at the cap an
   * idle one is released, and when all are busy a prompt is refused (AGENT_CAPACITY); 0: no cap.
   * @default three quarters of the machine's memory / 300 MB, at least 1 */
  maxRunningAgents?: number
  /** @default 'info' */
  logLevel: LogLevel
  /** JSON lines, or readable ones. @default pretty when stdout is a terminal, else json */
  logFormat?: LogFormat
  /** Serve `/metrics` (and `/ready`, `/live` for probes) on this port, on metricsHost, without auth, instead of behind the API's auth. */
  metricsPort?: number
  /** @default '127.0.0.1' */
  metricsHost?: string
  /** Claude Code's own OpenTelemetry export (AGENT_OTEL_ENDPOINT, ...): off when absent. */
  agentOtel?: AgentOtelSettings
  /** A session idle this long releases its CLI process; 0 never. @default 5 minutes */
  idleTimeoutMs: number
  /** A client over this many bytes unsent for slowClientGraceMs, or over 4x it at any time,
   * is cut off (SLOW_CONSUMER). @default 4 MiB */
  maxClientBufferBytes: number
  /** @default 5000 */
  slowClientGraceMs: number
  /** WebSockets are pinged this often; one silent for a whole interval (no pong, nothing taken)
   * is terminated as gone; 0: never. @default 30000 */
  pingIntervalMs?: number
  /** Start a session's CLI when a client attaches, ahead of its first prompt. @default true */
  prewarm: boolean
  /** CLIs kept running for sessions to come (a new session with the default config takes one);
   * 0 turns the pool off. @default 1 */
  warmPoolSize: number
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
  /** Web origins besides the server's own whose pages may use it (ALLOWED_ORIGINS, comma
   * separated, e.g. `https://app.example.com`; `*` any): they get CORS answers. Any other
   * page's requests are refused (docs/protocol.md#web-pages-on-other-sites). @default none */
  allowedOrigins: string[]
  /** Audit entries kept (AUDIT_RETENTION); the oldest go beyond it. @default 100,000 */
  auditRetention: number
  /** On SIGTERM, how long running turns may take to finish before they are interrupted. @default 10 s */
  shutdownGraceMs: number
  /** How each CLI process is isolated (see docs/sandbox.md). `none` must be asked for. @default 'bubblewrap' */
  sandbox: SandboxKind
  /** Destinations the sandbox's egress proxy allows (`host`, `host:port`, `*.domain`).
   * Not the model API: the CLI reaches it through the gateway. @default none */
  sandboxAllowedHosts?: string[]
  /** More host paths hidden from the sandbox (homes, the data dir, /tmp, /run and `.env` always are). */
  sandboxHide?: string[]
  /** The permission modes members may create sessions with and switch to (admins: any).
   * @default default, acceptEdits, plan */
  memberPermissionModes: PermissionMode[]
  /** Bearer JWTs from this OIDC issuer are accepted (docs/tenancy.md). */
  oidc?: OidcSettings
  /** Each session's limits unless its config sets its own (SESSION_MEMORY_LIMIT, SESSION_PIDS_LIMIT,
   * SESSION_CPU_WEIGHT, SESSION_WORKSPACE_LIMIT; docs/limits.md). @default DEFAULT_LIMITS */
  sessionLimits?: ResolvedLimits
  /** Where the cgroup file systems are mounted (SESSION_CGROUP_ROOT). @default /sys/fs/cgroup */
  cgroupRoot?: string
  /** Spending caps and prices (docs/budgets.md). @default no caps, the built-in prices */
  budgets?: BudgetSettings
  /** Hooks told of turns, approvals, errors and budgets, and how deliveries are retried (see
   * docs/webhooks.md). @default none */
  webhooks: WebhookSettings
  /** The web console at `/`: `false` (WEB_CONSOLE=off) serves none; a path (WEB_CONSOLE_DIR) serves
   * that built directory. @default the installed `@claude-agent/web` package's dist */
  webConsole?: false | string
  /** Set by DATABASE_URL: nodes sharing one PostgreSQL and one DATA_DIR (docs/cluster.md). */
  cluster?: ClusterSettings
}

export interface BudgetSettings {
  /** SESSION_BUDGET_USD: every session's cap unless set through the API. */
  sessionUsd?: number | undefined
  /** PRINCIPAL_BUDGET_USD: every principal's cap over all its sessions unless set through the API. */
  principalUsd?: number | undefined
  /** MODEL_PRICES_FILE: a JSON price table merged over (or replacing) the built-in one. */
  pricesFile?: string | undefined
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty']

/** A setting the server cannot start with; the message names it. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SettingsError'
  }
}

export const USAGE = `Usage: claude-agent-server [options]

Options (each overrides the environment variable in brackets; see the README):
  --port <n>            port to listen on, 0 for any free one      [PORT, default 3000]
  --host <address>      address to listen on                       [HOST, default 127.0.0.1]
  --sandbox <kind>      bubblewrap, or none (no isolation)         [SANDBOX, default bubblewrap]
  --data-dir <dir>      session state and the database             [DATA_DIR]
  --workspace-dir <dir> the agents' working directory              [WORKSPACE_DIR, default <data dir>/workspace]
  -h, --help            print this and exit
`

/** What the command line says; every field but `help` absent unless given. */
export interface CommandLine {
  help: boolean
  port?: string
  host?: string
  sandbox?: string
  dataDir?: string
  workspaceDir?: string
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  host: { type: 'string' },
  sandbox: { type: 'string' },
  'data-dir': { type: 'string' },
  'workspace-dir': { type: 'string' },
} as const

/**
 * @example
 * parseCommandLine(['--port', '4000', '--sandbox=none']) // { help: false, port: '4000', sandbox: 'none' }
 * parseCommandLine(['--bogus'])                          // throws SettingsError('unknown option --bogus ...')
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let values
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new SettingsError(`${commandLineProblem(err)} (see --help)`)
  }
  const line: CommandLine = { help: values.help === true }
  if (values.port !== undefined) line.port = values.port
  if (values.host !== undefined) line.host = values.host
  if (values.sandbox !== undefined) line.sandbox = values.sandbox
  if (values['data-dir'] !== undefined) line.dataDir = values['data-dir']
  if (values['workspace-dir'] !== undefined) line.workspaceDir = values['workspace-dir']
  return line
}

/** parseArgs' complaint, shortened to the point. */
function commandLineProblem(err: unknown): string {
  const { code, message } = err as { code?: string; message: string }
  const option = /'(-[^' ]+)/.exec(message)?.[1]
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `option ${option ?? ''} needs a value`
    default:
      return message
  }
}

/** US dollars, e.g. `5` or `0.25`; absent when unset. */
function dollarsFrom(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  if (!/^\d+(\.\d+)?$/.test(raw.trim()))
    throw new SettingsError(`${name} must be an amount in US dollars >= 0 (e.g. 5 or 0.25), got "${raw}"`)
  return Number(raw)
}

function intFrom(env: Record<string, string | undefined>, name: string, fallback: number, min = 0, max?: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    throw new SettingsError(`${name} must be an integer >= ${min}${max === undefined ? '' : ` and <= ${max}`}, got "${raw.slice(0, 32)}"`)
  }
  return value
}

/** A duration in ms that a timer can keep (see max-timer.ts). */
const msFrom = (env: Record<string, string | undefined>, name: string, fallback: number, min = 0): number =>
  intFrom(env, name, fallback, min, MAX_TIMER_MS)

/** The duration settings and their least values, as settingsFromEnv reads them. */
const DURATIONS: ReadonlyArray<[keyof ServerSettings, number]> = [
  ['idleTimeoutMs', 0],
  ['slowClientGraceMs', 0],
  ['pingIntervalMs', 0],
  ['shutdownGraceMs', 0],
  ['permissionTimeoutMs', 1],
  ['turnSilenceTimeoutMs', 0],
  ['interruptTimeoutMs', 1],
  ['databaseQueryTimeoutMs', 0],
]

/** Settings built by embedding code meet the environment's bounds: past a timer's range a
 * "very long" timeout fires after 1 ms, and a fraction or NaN never fires as meant. */
export function checkDurationSettings(settings: ServerSettings): void {
  for (const [name, min] of DURATIONS) {
    const value = settings[name]
    if (value === undefined && (name === 'pingIntervalMs' || name === 'databaseQueryTimeoutMs')) continue
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > MAX_TIMER_MS)
      throw new SettingsError(`settings.${name} must be an integer from ${min} to ${MAX_TIMER_MS} (ms), got ${String(value)}`)
  }
}

/** Any port 0..65535; 0 picks a free one. A privileged one (below 1024) is taken as asked:
 * listening there needs root (or CAP_NET_BIND_SERVICE), else the start fails naming it. */
function portFrom(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000
  if (!/^\d{1,5}$/.test(raw.trim()) || Number(raw) > 65535) {
    throw new SettingsError(`--port / PORT must be an integer from 0 to 65535, got "${raw}"`)
  }
  return Number(raw)
}

/** A directory setting: absent when empty; never with a NUL byte (the OS would cut it there). */
function pathSetting(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  if (raw.includes('\0')) throw new SettingsError(`${name} contains a NUL byte`)
  return raw
}

function bytesFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const bytes = parseByteSize(raw)
  if (bytes === undefined) throw new SettingsError(`${name} must be a size such as 2GiB, 512MiB or 1073741824, got "${raw}"`)
  return bytes
}

/** The SESSION_* limits, each defaulting to DEFAULT_LIMITS. */
export function sessionLimitsFrom(env: Record<string, string | undefined>): ResolvedLimits {
  const cpuWeight = intFrom(env, 'SESSION_CPU_WEIGHT', DEFAULT_LIMITS.cpuWeight, 1)
  if (cpuWeight > CPU_WEIGHT_MAX) throw new SettingsError(`SESSION_CPU_WEIGHT must be at most ${CPU_WEIGHT_MAX}, got "${cpuWeight}"`)
  return {
    memoryBytes: bytesFrom(env, 'SESSION_MEMORY_LIMIT', DEFAULT_LIMITS.memoryBytes),
    pids: intFrom(env, 'SESSION_PIDS_LIMIT', DEFAULT_LIMITS.pids, 8),
    cpuWeight,
    workspaceBytes: bytesFrom(env, 'SESSION_WORKSPACE_LIMIT', DEFAULT_LIMITS.workspaceBytes),
  }
}

const list = (raw: string | undefined) =>
  raw === undefined || raw.trim() === ''
    ? undefined
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)

function profileFrom(raw: string | undefined): AgentProfile {
  if (raw === undefined || raw === '') return 'default'
  if (!AGENT_PROFILES.includes(raw as AgentProfile))
    throw new SettingsError(`AGENT_PROFILE must be one of ${AGENT_PROFILES.join(', ')}, got "${raw}"`)
  return raw as AgentProfile
}

/** `SANDBOX`, overridden by a `--sandbox <kind>` (or `--sandbox=<kind>`) argument. */
export function sandboxKindFrom(env: Record<string, string | undefined>, argv: readonly string[] = []): SandboxKind {
  let flag: string | undefined
  try {
    flag = parseCommandLine(argv).sandbox
  } catch (err) {
    throw new SandboxError('SANDBOX_INVALID_SETTING', `--sandbox / SANDBOX: ${(err as Error).message}`)
  }
  const raw = flag ?? (env['SANDBOX'] || 'bubblewrap')
  if (!SANDBOX_KINDS.includes(raw as SandboxKind)) {
    throw new SandboxError('SANDBOX_INVALID_SETTING', `--sandbox / SANDBOX must be one of ${SANDBOX_KINDS.join(', ')}, got "${raw}"`)
  }
  return raw as SandboxKind
}

/** ALLOWED_ORIGINS: each an origin as browsers send it (scheme, host, port; no path), or `*`. */
function originsFrom(value: string | undefined): string[] {
  return (list(value) ?? []).map((origin) => {
    if (origin === '*') return origin
    let parsed: URL | undefined
    try {
      parsed = new URL(origin)
    } catch {
      parsed = undefined
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin)
      throw new SettingsError(
        `ALLOWED_ORIGINS: "${origin}" is not an origin such as https://app.example.com (scheme and host, no path), nor *`,
      )
    return origin
  })
}

/** AUTH_TOKENS and AUTH_TOKEN; an unknown role stops the start. */
function tokensFrom(env: Record<string, string | undefined>): AuthToken[] {
  try {
    // AUTH_TOKEN is one admin's token, whole: a `:` or `,` in it is part of it.
    const single = env['AUTH_TOKEN']?.trim()
    return [...parseTokens(env['AUTH_TOKENS']), ...(single ? [{ label: 'token', token: single }] : [])]
  } catch (err) {
    if (err instanceof TokenSpecError) throw new SettingsError(err.message)
    throw err
  }
}

export const DEFAULT_MAX_SESSIONS_PER_PRINCIPAL = 20

export const DEFAULT_MAX_SOCKETS_PER_PRINCIPAL = 64

export const DEFAULT_PING_INTERVAL_MS = 30_000

/** What the default MAX_RUNNING_AGENTS budgets per CLI: its ~235 MB resident (docs/benchmarks.md) and headroom. */
const MEMORY_PER_AGENT_BYTES = 300 * 1024 * 1024

/** MAX_RUNNING_AGENTS by default: three quarters of the machine's memory at 300 MB a CLI, at least 1. */
export const defaultMaxRunningAgents = (memoryBytes: number = totalmem()): number =>
  Math.max(1, Math.floor((memoryBytes * 3) / 4 / MEMORY_PER_AGENT_BYTES))

export const DEFAULT_MEMBER_PERMISSION_MODES: readonly PermissionMode[] = ['default', 'acceptEdits', 'plan']

function memberModesFrom(raw: string | undefined): PermissionMode[] {
  const modes = list(raw) ?? [...DEFAULT_MEMBER_PERMISSION_MODES]
  const unknown = modes.find((m) => !(PERMISSION_MODES as readonly string[]).includes(m))
  if (unknown !== undefined) {
    throw new SettingsError(`MEMBER_PERMISSION_MODES: unknown mode "${unknown.slice(0, 32)}" (modes: ${PERMISSION_MODES.join(', ')})`)
  }
  return modes as PermissionMode[]
}

/** OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL together, or none of them. */
function oidcFrom(env: Record<string, string | undefined>): OidcSettings | undefined {
  const [issuer, audience, jwksUrl] = [env['OIDC_ISSUER'], env['OIDC_AUDIENCE'], env['OIDC_JWKS_URL']]
  if (!issuer && !audience && !jwksUrl) return undefined
  const missing = (['OIDC_ISSUER', 'OIDC_AUDIENCE', 'OIDC_JWKS_URL'] as const).filter((name) => !env[name])
  if (missing.length > 0) throw new SettingsError(`OIDC needs ${missing.join(' and ')} as well (set all three, or none)`)
  if (!URL.canParse(jwksUrl!) || !/^https?:$/.test(new URL(jwksUrl!).protocol)) {
    throw new SettingsError(`OIDC_JWKS_URL must be an http(s) URL, got "${jwksUrl!.slice(0, 200)}"`)
  }
  const defaultRole = env['OIDC_DEFAULT_ROLE'] || 'viewer'
  if (!isRole(defaultRole))
    throw new SettingsError(`OIDC_DEFAULT_ROLE: unknown role "${defaultRole.slice(0, 32)}" (roles: admin, member, viewer)`)
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUrl: jwksUrl!,
    principalClaim: env['OIDC_PRINCIPAL_CLAIM'] || 'sub',
    roleClaim: env['OIDC_ROLE_CLAIM'] || 'role',
    defaultRole,
  }
}

/** DATABASE_URL: a postgres:// URL, checked before anything connects; errors never show it (it may hold a password). */
function databaseUrlFrom(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (!url || !/^postgres(ql)?:$/.test(url.protocol) || !url.hostname) {
    throw new SettingsError('DATABASE_URL must be a postgres:// URL with a host, e.g. postgres://user:password@db:5432/claude_agent')
  }
  return raw
}

export function defaultDataDir(env: Record<string, string | undefined>): string {
  const base = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share')
  return join(base, 'claude-agent-server')
}

export function settingsFromEnv(env: Record<string, string | undefined> = process.env, argv: readonly string[] = []): ServerSettings {
  const line = parseCommandLine(argv)
  const dataDir = resolve(pathSetting('--data-dir / DATA_DIR', line.dataDir ?? env['DATA_DIR']) ?? defaultDataDir(env))
  const workspaceDir = pathSetting('--workspace-dir / WORKSPACE_DIR', line.workspaceDir ?? env['WORKSPACE_DIR'])
  const logLevel = (env['LOG_LEVEL'] || 'info') as LogLevel
  const oidc = oidcFrom(env)
  const webhooksFile = pathSetting('WEBHOOKS_FILE', env['WEBHOOKS_FILE'])
  const webhooks = webhookSettingsFromEnv(env, (message) => {
    throw new SettingsError(message)
  })
  // The hooks' secrets are in that file: the agent must not read it.
  const sandboxHide = [...(list(env['SANDBOX_HIDE']) ?? []), ...(webhooksFile ? [resolve(webhooksFile)] : [])]
  if (!LOG_LEVELS.includes(logLevel)) throw new SettingsError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  return {
    host: line.host ?? (env['HOST'] || '127.0.0.1'),
    port: portFrom(line.port ?? env['PORT']),
    dataDir,
    databaseUrl: databaseUrlFrom(env['DATABASE_URL']),
    databaseQueryTimeoutMs: msFrom(env, 'DATABASE_QUERY_TIMEOUT_MS', DEFAULT_QUERY_TIMEOUT_MS),
    workspaceDir: resolve(workspaceDir ?? join(dataDir, 'workspace')),
    agentVars: pickAgentVars(env),
    agentProfile: profileFrom(env['AGENT_PROFILE']),
    maxFrameBytes: intFrom(env, 'MAX_FRAME_BYTES', 16 * 1024 * 1024, 1024),
    maxBodyBytes: intFrom(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    maxFileBytes: intFrom(env, 'MAX_FILE_BYTES', 1024 ** 3, 1),
    ...(env['MAX_CONNECTIONS'] && { maxConnections: intFrom(env, 'MAX_CONNECTIONS', 0, 1) }),
    maxSessionsPerPrincipal: intFrom(env, 'MAX_SESSIONS_PER_PRINCIPAL', DEFAULT_MAX_SESSIONS_PER_PRINCIPAL),
    maxSocketsPerPrincipal: intFrom(env, 'MAX_SOCKETS_PER_PRINCIPAL', DEFAULT_MAX_SOCKETS_PER_PRINCIPAL),
    maxRunningAgents: intFrom(env, 'MAX_RUNNING_AGENTS', defaultMaxRunningAgents()),
    logLevel,
    idleTimeoutMs: msFrom(env, 'SESSION_IDLE_TIMEOUT_MS', 5 * 60_000),
    maxClientBufferBytes: intFrom(env, 'MAX_CLIENT_BUFFER_BYTES', 4 * 1024 * 1024, 1024),
    slowClientGraceMs: msFrom(env, 'SLOW_CLIENT_GRACE_MS', 5_000),
    pingIntervalMs: msFrom(env, 'WS_PING_INTERVAL_MS', DEFAULT_PING_INTERVAL_MS),
    shutdownGraceMs: msFrom(env, 'SHUTDOWN_GRACE_MS', 10_000),
    permissionTimeoutMs: msFrom(env, 'PERMISSION_TIMEOUT_MS', 5 * 60_000, 1),
    turnSilenceTimeoutMs: msFrom(env, 'TURN_SILENCE_TIMEOUT_MS', 10 * 60_000),
    interruptTimeoutMs: msFrom(env, 'INTERRUPT_TIMEOUT_MS', 10_000, 1),
    prewarm: env['PREWARM'] !== '0' && env['PREWARM'] !== 'false',
    warmPoolSize: intFrom(env, 'WARM_POOL_SIZE', 1),
    authTokens: tokensFrom(env),
    allowedOrigins: originsFrom(env['ALLOWED_ORIGINS']),
    auditRetention: intFrom(env, 'AUDIT_RETENTION', DEFAULT_AUDIT_RETENTION, 1),
    sandbox: sandboxKindFrom(line.sandbox === undefined ? env : { ...env, SANDBOX: line.sandbox }),
    sandboxAllowedHosts: list(env['SANDBOX_ALLOWED_HOSTS']),
    ...(sandboxHide.length > 0 ? { sandboxHide } : {}),
    webhooks,
    memberPermissionModes: memberModesFrom(env['MEMBER_PERMISSION_MODES']),
    ...(oidc && { oidc }),
    sessionLimits: sessionLimitsFrom(env),
    cgroupRoot: pathSetting('SESSION_CGROUP_ROOT', env['SESSION_CGROUP_ROOT']),
    budgets: {
      sessionUsd: dollarsFrom(env, 'SESSION_BUDGET_USD'),
      principalUsd: dollarsFrom(env, 'PRINCIPAL_BUDGET_USD'),
      pricesFile: pathSetting('MODEL_PRICES_FILE', env['MODEL_PRICES_FILE']),
    },
    ...observabilityFrom(env),
    ...webConsoleFrom(env),
    ...clusterFrom(env),
  }
}

/** LOG_FORMAT, METRICS_PORT / METRICS_HOST, AGENT_OTEL_*: each absent unless set. */
function observabilityFrom(env: Record<string, string | undefined>): Partial<ServerSettings> {
  const out: Partial<ServerSettings> = {}
  const format = env['LOG_FORMAT']
  if (format) {
    if (!LOG_FORMATS.includes(format as LogFormat))
      throw new SettingsError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${format}"`)
    out.logFormat = format as LogFormat
  }
  if (env['METRICS_PORT']) out.metricsPort = intFrom(env, 'METRICS_PORT', 0)
  if (out.metricsPort !== undefined && out.metricsPort > 65535)
    throw new SettingsError(`METRICS_PORT must be at most 65535, got "${env['METRICS_PORT']}"`)
  if (env['METRICS_HOST']) out.metricsHost = env['METRICS_HOST']
  try {
    const otel = agentOtelFrom(env)
    if (otel) out.agentOtel = otel
  } catch (err) {
    throw new SettingsError((err as Error).message)
  }
  return out
}

/** DATABASE_URL and CLUSTER_*: absent unless DATABASE_URL is set. */
function clusterFrom(env: Record<string, string | undefined>): Pick<ServerSettings, 'cluster'> {
  const cluster = clusterSettingsFromEnv(env, (message) => {
    throw new SettingsError(message)
  })
  return cluster ? { cluster } : {}
}

/** WEB_CONSOLE=off turns the console off; WEB_CONSOLE_DIR names the built files to serve. */
function webConsoleFrom(env: Record<string, string | undefined>): Pick<ServerSettings, 'webConsole'> {
  const on = env['WEB_CONSOLE']
  if (on === 'off' || on === '0' || on === 'false') return { webConsole: false }
  if (on !== undefined && on !== '' && on !== 'on' && on !== '1' && on !== 'true')
    throw new SettingsError(`WEB_CONSOLE must be on or off, got "${on}"`)
  const dir = pathSetting('WEB_CONSOLE_DIR', env['WEB_CONSOLE_DIR'])
  return dir ? { webConsole: resolve(dir) } : {}
}

/** The SQLite file holding sessions and their event logs. */
export const databasePath = (settings: Pick<ServerSettings, 'dataDir'>) => join(settings.dataDir, 'sessions.db')

/** Where the sessions other than the default one have their workspaces (`sessions/<id>`, `shared/<name>`). */
export const sessionWorkspacesDir = (settings: Pick<ServerSettings, 'dataDir'>) => join(settings.dataDir, 'workspaces')
