// Builds the server from its parts: the store, sessions, HTTP routes, WebSockets. Tests start
// it in process on port 0; main.ts starts it from the environment.
import { clientHost } from './http/client-host.js'
import { checkOrigin } from './http/origin-guard.js'
import { authorize } from './tenancy/access.js'
import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { CLOSE_CODES } from '@claude-agent/protocol'
import type { AgentFactory } from './agent/agent.js'
import { AuditLog } from './audit/audit-log.js'
import { auditRoutes } from './audit/routes.js'
import { claudeSdkAgentFactory } from './agent/claude-sdk.js'
import { agentOtelAllowEntries } from './agent/otel-env.js'
import { secretValues } from './credentials.js'
import type { Store } from './event-log/event-log.js'
import { lockDataDir } from './event-log/data-dir-lock.js'
import { makePrivateDir } from './event-log/private-dir.js'
import { openStore } from './event-log/open-store.js'
import { ClusterMode } from './cluster/cluster-mode.js'
import { execRoutes } from './exec/routes.js'
import { sandboxedSpawner } from './exec/spawn.js'
import { fileRoutes } from './files/routes.js'
import { UsageCache } from './files/usage.js'
import { watchEndpoint } from './files/watch-socket.js'
import { Authenticator, nodeCredentials } from './http/auth.js'
import { createHttpApp, type HttpApp } from './http/http-app.js'
import { defaultMaxConnections, limitConnections, openFileLimit } from './http/connection-limit.js'
import { createHttpServer } from './http/node-server.js'
import { SessionQuota } from './tenancy/session-quota.js'
import { BubblewrapSandbox } from './sandbox/bubblewrap.js'
import { resolveLimits } from './sandbox/limits.js'
import { NoSandbox } from './sandbox/none.js'
import type { Sandbox } from './sandbox/sandbox.js'
import { createLogger, type Logger } from './logger.js'
import { scrub, secrets } from './secrets.js'
import { configRoutes } from './routes/config.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes, readyRoutes } from './routes/observability.js'
import { reportSessions } from './metrics/metrics.js'
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js'
import { readiness } from './readiness.js'
import { sessionRoutes } from './routes/sessions.js'
import { sessionsLiveRoutes } from './routes/sessions-live.js'
import { usageRoutes } from './routes/usage.js'
import { SessionManager } from './sessions/session-manager.js'
import {
  DEFAULT_MAX_SESSIONS_PER_PRINCIPAL,
  DEFAULT_MAX_SOCKETS_PER_PRINCIPAL,
  DEFAULT_PING_INTERVAL_MS,
  checkDurationSettings,
  SettingsError,
  sessionWorkspacesDir,
  type ServerSettings,
} from './settings.js'
import { readerRoutes } from './routes/readers.js'
import { tokenRoutes } from './routes/tokens.js'
import { httpGate } from './tenancy/http-gate.js'
import { LiveSockets } from './tenancy/live-sockets.js'
import { trackRequests } from './tenancy/live-requests.js'
import { sweepRevokedTokens } from './tenancy/revocation-sweep.js'
import { OidcVerifier } from './tenancy/oidc.js'
import { RuntimeTokens, type TokenEvents } from './tenancy/tokens.js'
import { Ledger } from './usage/ledger.js'
import { DEFAULT_PRICES, loadPrices } from './usage/prices.js'
import { installedConsoleDir, loadStaticSite, type StaticSite } from './http/static-site.js'
import { attachWebSockets } from './ws/upgrade.js'
import { WebhookDispatcher, type WebhookView } from './webhooks/dispatcher.js'
import { checkWebhookSettings } from './webhooks/config.js'
import { webhookRoutes } from './webhooks/routes.js'

export interface StartServerOptions {
  settings: ServerSettings
  /** @default the Claude Agent SDK */
  agents?: AgentFactory
  /** @default PostgreSQL at settings.databaseUrl, else a SQLite file in settings.dataDir */
  store?: Store
  /** @default a console logger at settings.logLevel that scrubs secrets */
  logger?: Logger
  /** How CLI processes are isolated. @default the one settings.sandbox names (bubblewrap) */
  sandbox?: Sandbox
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string
  readonly port: number
  readonly sessions: SessionManager
  readonly sandbox: Sandbox
  /** The HTTP API (Hono): `http.request('/health')` answers in process, as over the socket. */
  readonly http: HttpApp
  /** Who did what: other parts (tokens) record their actions here too. */
  readonly audit: AuditLog
  /** The port `/metrics` is served on when settings.metricsPort asks for one of its own. */
  readonly metricsPort?: number
  /** The configured hooks and their recent deliveries (no secrets). */
  readonly webhooks: WebhookView
  /** Graceful: refuse new work, let running turns finish (up to shutdownGraceMs), then close. */
  shutdown(): Promise<void>
  /** Immediate: stop every agent (recording running turns as interrupted) and close. */
  close(): Promise<void>
}

/** The web console to serve at `/` (none when turned off); a missing build is said at `/` and in the log. */
function webConsole(settings: ServerSettings, logger: Logger): { site?: StaticSite } {
  if (settings.webConsole === false) return {}
  const site = loadStaticSite(settings.webConsole ?? installedConsoleDir())
  if (site.missing) logger.warn(site.missing)
  return { site }
}

/** The sandbox the settings ask for. bubblewrap is the default; none must be chosen explicitly
 * and says so in the log.
 * @throws SandboxError when bubblewrap is asked for and cannot work here (see BubblewrapSandbox.create) */
export function createSandbox(settings: ServerSettings, logger: Logger): Sandbox {
  if (settings.sandbox === 'none') return new NoSandbox(logger, settings.sessionLimits)
  // Every session's workspace is hidden, so a sandbox sees only the one it binds. Made now:
  // a missing path is not hidden.
  const workspaces = [settings.workspaceDir, sessionWorkspacesDir(settings)]
  for (const dir of workspaces) mkdirSync(dir, { recursive: true })
  return BubblewrapSandbox.create({
    dataDir: settings.dataDir,
    logger,
    agentVars: settings.agentVars,
    ...(settings.sandboxAllowedHosts ? { allowedHosts: settings.sandboxAllowedHosts } : {}),
    hide: [...workspaces, ...(settings.sandboxHide ?? [])],
    ...(settings.sessionLimits ? { limits: settings.sessionLimits } : {}),
    ...(settings.cgroupRoot ? { cgroupRoot: settings.cgroupRoot } : {}),
    alsoAllow: agentOtelAllowEntries(settings.agentOtel),
  })
}

/** Token creation and revocation, said in the log (without values); the audit log is wired here. */
function tokenEvents(logger: Logger): TokenEvents {
  return {
    created: (token, by) => logger.info(`token ${token.id} (${token.label}, ${token.role}) created by ${by.id}`),
    revoked: (token, by) => logger.info(`token ${token.id} (${token.label}, ${token.role}) revoked by ${by.id}`),
  }
}

/** Warns where budgets cannot be enforced: without a sandbox there is no gateway. */
function warnUnenforcedBudgets(settings: ServerSettings, sandbox: Sandbox, logger: Logger): void {
  const budgets = settings.budgets ?? {}
  if (sandbox.kind === 'none' && (budgets.sessionUsd !== undefined || budgets.principalUsd !== undefined))
    logger.warn('Budgets are not enforced with --sandbox none: the agent talks to the model API directly, past the model gateway')
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  // Before anything in the data dir is touched: a second server there refuses and changes nothing.
  // In a cluster the nodes share it on purpose (each session has one owner through its lease):
  // shared with the other nodes, never with a server of its own.
  const { settings } = options
  // What the environment's parsing checks, embedding code's settings meet too (before any secret is registered).
  checkDurationSettings(settings)
  checkWebhookSettings(settings.webhooks, (message) => {
    throw new SettingsError(message)
  })
  const lock = lockDataDir(settings.dataDir, { shared: Boolean(settings.cluster && settings.databaseUrl) })
  let opened: Store | undefined
  try {
    return await startLocked(options, lock.release, (store) => (opened = store))
  } catch (err) {
    // A start that fails after the store opened leaves no connection behind (a pool keeps a process alive).
    if (!options.store) await opened?.close().catch(() => {})
    lock.release()
    throw err
  }
}

async function startLocked(options: StartServerOptions, unlock: () => void, onStore: (store: Store) => void): Promise<RunningServer> {
  // Long on purpose: the composition root; every part is built and wired here, in start order, and closed in reverse below.
  const { settings } = options
  // Every secret the server knows goes into the one registry; sessions add posted keys.
  const hookSecrets = settings.webhooks.hooks.map((h) => h.secret)
  for (const value of [...secretValues(settings.agentVars), ...settings.authTokens.map((t) => t.token), ...hookSecrets]) secrets.add(value)
  for (const value of otelHeaderSecrets(settings.agentOtel?.headers)) secrets.add(value)
  for (const value of databaseSecrets(settings.databaseUrl)) secrets.add(value)
  const logger = options.logger ?? createLogger({ level: settings.logLevel, ...(settings.logFormat ? { format: settings.logFormat } : {}) })
  // Before the database and the workspaces below it are made (event-log/private-dir.ts).
  makePrivateDir(settings.dataDir, logger)
  // First: a sandbox that cannot work here stops the start with its reason.
  const sandbox = options.sandbox ?? createSandbox(settings, logger)
  // A bad MODEL_PRICES_FILE stops the start before the database is opened.
  const prices = settings.budgets?.pricesFile ? loadPrices(settings.budgets.pricesFile) : DEFAULT_PRICES
  warnUnenforcedBudgets(settings, sandbox, logger)
  const store = options.store ?? (await openStore(settings))
  onStore(store)
  const ledger = new Ledger(store.usage, prices, { sessionUsd: settings.budgets?.sessionUsd, principalUsd: settings.budgets?.principalUsd })
  // Before the sessions: what their recovery logs at start is an event like any other.
  const webhooks = await WebhookDispatcher.open({
    settings: settings.webhooks,
    log: store.deliveries,
    logger,
    scrub,
    ...(settings.cluster && { claimer: settings.cluster.nodeId, pollMs: settings.cluster.leaseMs }),
  })
  const unobserve = store.observeAppends(webhooks.observe)

  const usage = new UsageCache()
  // Cluster mode: the PostgreSQL store shared with other nodes (DATABASE_URL sets both).
  const cluster =
    settings.cluster && settings.databaseUrl
      ? new ClusterMode(settings.cluster, settings.databaseUrl, logger, settings.dataDir, settings.databaseQueryTimeoutMs)
      : undefined
  const sessions = await SessionManager.open({
    settings,
    agents: options.agents ?? claudeSdkAgentFactory,
    store,
    logger,
    scrub,
    sandbox,
    usage,
    ledger,
    ...(cluster && { cluster }),
  })
  cluster?.serve(sessions)
  const audit = new AuditLog({ store, scrub, logger, retention: settings.auditRetention })
  // Files: every path relative to a session's workspace (the default session's at /files).
  const workspaceOf = (id: string) => sessions.get(id).workspace
  const live = new LiveSockets()
  const tokens = new RuntimeTokens(store, tokenEvents(logger), (value) => secrets.add(value))
  const oidc = settings.oidc && new OidcVerifier(settings.oidc, logger)
  const auth = new Authenticator({ tokens: settings.authTokens, runtime: tokens, ...(oidc && { oidc }) })
  const origins = { allowedOrigins: settings.allowedOrigins, open: !auth.enabled }
  // A create is placed before the app sees it: the same checks first (origin, credentials, role).
  cluster?.checkCredentialsWith(async (req) => {
    checkOrigin({ ...req.headers, host: clientHost(req) }, origins)
    authorize(await auth.authenticate(nodeCredentials(req)), 'sessions.create')
  })
  const ready = readiness({
    dataDir: settings.dataDir,
    sandbox,
    modelUrl: settings.agentVars['ANTHROPIC_BASE_URL'] || settings.demoModelUrl,
    databaseUrl: settings.databaseUrl,
  })
  const app = createHttpApp({
    auth,
    logger,
    origins,
    gate: httpGate(sessions),
    track: trackRequests(live),
    ...webConsole(settings, logger),
    routes: [
      healthRoutes({ demo: () => sessions.isDemo() }),
      readyRoutes(ready),
      ...(settings.metricsPort === undefined ? [metricsRoutes()] : []),
      configRoutes(sessions, { maxBodyBytes: settings.maxBodyBytes, audit }),
      sessionRoutes(sessions, store, audit, {
        maxBodyBytes: settings.maxBodyBytes,
        memberPermissionModes: settings.memberPermissionModes,
        limitDefaults: () => sandbox.limits.defaults,
        quota: new SessionQuota(settings.maxSessionsPerPrincipal ?? DEFAULT_MAX_SESSIONS_PER_PRINCIPAL, async (principal) => {
          return (await sessions.listAll()).filter((s) => s.access.owner === principal).length
        }),
        ...(cluster && {
          created: (id: string) => cluster.created(id),
          deleted: (id: string) => cluster.deleted(id),
          claim: (id: string) => cluster.claimForCreate(id),
        }),
      }),
      sessionsLiveRoutes({
        sessions,
        log: store,
        live,
        logger,
        maxSocketsPerPrincipal: settings.maxSocketsPerPrincipal ?? DEFAULT_MAX_SOCKETS_PER_PRINCIPAL,
        ...(cluster && { changedElsewhere: (listener: () => void) => cluster.onChangeElsewhere(listener) }),
      }),
      readerRoutes({ sessions, live, audit }),
      tokenRoutes({ tokens, live, audit, maxBodyBytes: settings.maxBodyBytes }),
      usageRoutes(sessions, ledger, { maxBodyBytes: settings.maxBodyBytes, audit }),
      fileRoutes({
        workspaceOf,
        live,
        audit,
        maxFileBytes: settings.maxFileBytes ?? 1024 ** 3,
        logger,
        workspaceLimit: (id) => resolveLimits(sessions.get(id).postedConfig, sandbox.limits.defaults).workspaceBytes,
        usage,
      }),
      auditRoutes(audit),
      execRoutes({
        sessions,
        audit,
        maxBodyBytes: settings.maxBodyBytes,
        spawn: sandboxedSpawner(sandbox),
        logger,
        live,
        maxSocketsPerPrincipal: settings.maxSocketsPerPrincipal ?? DEFAULT_MAX_SOCKETS_PER_PRINCIPAL,
      }),
      webhookRoutes(webhooks.view()),
    ],
  })
  const pingIntervalMs = settings.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
  const watch = watchEndpoint({ workspaceOf, maxClientBufferBytes: settings.maxClientBufferBytes, pingIntervalMs, logger })
  const server = createHttpServer(app, auth, logger, cluster ? cluster.http : undefined)
  limitConnections(server, settings.maxConnections ?? defaultMaxConnections(openFileLimit()), logger)
  const wss = attachWebSockets(
    server,
    {
      sessions,
      origins,
      log: store,
      maxFrameBytes: settings.maxFrameBytes,
      maxClientBufferBytes: settings.maxClientBufferBytes,
      slowClientGraceMs: settings.slowClientGraceMs,
      pingIntervalMs,
      logger,
      scrub,
      auth,
      audit,
      prewarm: settings.prewarm,
      live,
      maxSocketsPerPrincipal: settings.maxSocketsPerPrincipal ?? DEFAULT_MAX_SOCKETS_PER_PRINCIPAL,
      memberPermissionModes: settings.memberPermissionModes,
    },
    [watch],
    cluster ? cluster.upgrade : undefined,
  )

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const stopReporting = reportSessions(() => countStates(sessions.list()))
  // A token revoked on another node: its access here closes too.
  const stopSweeping = cluster ? sweepRevokedTokens(live, store, logger) : () => undefined
  let metricsServer: MetricsServer | undefined
  const manager = sessions
  webhooks.start()

  let closed: Promise<void> | undefined
  const closeAll = (graceMs: number) =>
    (closed ??= (async () => {
      // A node that stops hands its idle sessions on first; its leases go once its CLIs stopped.
      if (graceMs > 0) await cluster?.handOff()
      await manager.shutdown(graceMs)
      await cluster?.close()
      stopReporting()
      stopSweeping()
      await metricsServer?.close()
      for (const client of wss.clients) client.close(CLOSE_CODES.shuttingDown, 'server shutting down')
      watch.close()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await sandbox.close()
      unobserve()
      await webhooks.stop()
      await store.close()
      unlock()
    })())

  try {
    await cluster?.join(`http://${host}:${port}`)
  } catch (err) {
    await closeAll(0)
    throw err
  }
  if (settings.metricsPort !== undefined) {
    try {
      metricsServer = await startMetricsServer(settings.metricsPort, { ready, ...(settings.metricsHost && { host: settings.metricsHost }) })
    } catch (err) {
      await closeAll(0)
      throw err
    }
  }

  return {
    url: `http://${host}:${port}`,
    port,
    sessions: manager,
    sandbox,
    http: app,
    audit,
    ...(metricsServer && { metricsPort: metricsServer.port }),
    webhooks: webhooks.view(),
    shutdown: () => closeAll(settings.shutdownGraceMs),
    close: () => closeAll(0),
  }
}

/** Sessions by state, for the `claude_agent_sessions` gauge. */
function countStates(sessions: readonly { state: string }[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { state } of sessions) counts[state] = (counts[state] ?? 0) + 1
  return counts
}

/** A DATABASE_URL's password, and the URL itself: never in a log line or an answer. */
function databaseSecrets(url: string | undefined): string[] {
  if (!url) return []
  const password = URL.canParse(url) ? decodeURIComponent(new URL(url).password) : ''
  return password ? [url, password] : [url]
}

/** The collector's headers (`key=value,...`) as a whole and each value: secrets, like keys. */
function otelHeaderSecrets(headers: string | undefined): string[] {
  if (!headers) return []
  return [headers, ...headers.split(',').map((pair) => pair.slice(pair.indexOf('=') + 1).trim())]
}
