// Builds the server from its parts: the store, sessions, HTTP routes, WebSockets. Tests start
// it in process on port 0; main.ts starts it from the environment.
import type { AddressInfo } from 'node:net'
import { CLOSE_CODES } from '@claude-agent/protocol'
import type { AgentFactory } from './agent/agent.js'
import { claudeSdkAgentFactory } from './agent/claude-sdk.js'
import { secretValues } from './credentials.js'
import type { Store } from './event-log/event-log.js'
import { lockDataDir } from './event-log/data-dir-lock.js'
import { SqliteStore } from './event-log/sqlite-store.js'
import { execRoutes } from './exec/routes.js'
import { sandboxedSpawner } from './exec/spawn.js'
import { fileRoutes } from './files/routes.js'
import { watchEndpoint } from './files/watch-socket.js'
import { Workspace } from './files/workspace-path.js'
import { Authenticator } from './http/auth.js'
import { createHttpApp, type HttpApp } from './http/http-app.js'
import { createHttpServer } from './http/node-server.js'
import { BubblewrapSandbox } from './sandbox/bubblewrap.js'
import { NoSandbox } from './sandbox/none.js'
import { DEFAULT_MODEL_API } from './sandbox/sandbox-env.js'
import type { Sandbox } from './sandbox/sandbox.js'
import { createLogger, type Logger } from './logger.js'
import { scrub, secrets } from './secrets.js'
import { configRoutes } from './routes/config.js'
import { healthRoutes } from './routes/health.js'
import { sessionRoutes } from './routes/sessions.js'
import { SessionManager } from './sessions/session-manager.js'
import { databasePath, type ServerSettings } from './settings.js'
import { installedConsoleDir, loadStaticSite, type StaticSite } from './http/static-site.js'
import { attachWebSockets } from './ws/upgrade.js'

export interface StartServerOptions {
  settings: ServerSettings
  /** @default the Claude Agent SDK */
  agents?: AgentFactory
  /** @default a SQLite file in settings.dataDir */
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
  /** Graceful: refuse new work, let running turns finish (up to shutdownGraceMs), then close. */
  shutdown(): Promise<void>
  /** Immediate: stop every agent (recording running turns as interrupted) and close. */
  close(): Promise<void>
}

/** The web console to serve at `/` (none when turned off); a missing build is said at `/` and in the log. */
function webConsole(settings: ServerSettings, logger: Logger): { site?: StaticSite } {
  if (settings.webConsole === false) return {}
  const dir = settings.webConsole ?? installedConsoleDir()
  const site = dir ? loadStaticSite(dir) : { assets: new Map(), missing: 'The web console (@claude-agent/web) is not installed' }
  if (site.missing) logger.warn(site.missing)
  return { site }
}

/** The sandbox the settings ask for. bubblewrap is the default; none must be chosen explicitly
 * and says so in the log.
 * @throws SandboxError when bubblewrap is asked for and cannot work here (see BubblewrapSandbox.create) */
export function createSandbox(settings: ServerSettings, logger: Logger): Sandbox {
  if (settings.sandbox === 'none') return new NoSandbox(logger)
  return BubblewrapSandbox.create({
    dataDir: settings.dataDir,
    logger,
    agentVars: settings.agentVars,
    modelApi: settings.agentVars['ANTHROPIC_BASE_URL'] || settings.demoModelUrl || DEFAULT_MODEL_API,
    ...(settings.sandboxAllowedHosts ? { allowedHosts: settings.sandboxAllowedHosts } : {}),
    ...(settings.sandboxHide ? { hide: settings.sandboxHide } : {}),
  })
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  // Before anything in the data dir is touched: a second server there refuses and changes nothing.
  const lock = lockDataDir(options.settings.dataDir)
  try {
    return await startLocked(options, lock.release)
  } catch (err) {
    lock.release()
    throw err
  }
}

async function startLocked(options: StartServerOptions, unlock: () => void): Promise<RunningServer> {
  // Long on purpose: the composition root; every part is built and wired here, in start order, and closed in reverse below.
  const { settings } = options
  // Every secret the server knows goes into the one registry; sessions add posted keys.
  for (const value of [...secretValues(settings.agentVars), ...settings.authTokens.map((t) => t.token)]) secrets.add(value)
  const logger = options.logger ?? createLogger({ level: settings.logLevel })
  // First: a sandbox that cannot work here stops the start with its reason.
  const sandbox = options.sandbox ?? createSandbox(settings, logger)
  const store = options.store ?? new SqliteStore(databasePath(settings))

  const sessions = new SessionManager({ settings, agents: options.agents ?? claudeSdkAgentFactory, store, logger, scrub, sandbox })
  // Files and commands: every path relative to the workspace, which the session manager created.
  const workspace = new Workspace(settings.workspaceDir)
  const auth = new Authenticator(settings.authTokens)
  const app = createHttpApp({
    auth,
    logger,
    ...webConsole(settings, logger),
    routes: [
      healthRoutes({ demo: () => sessions.isDemo() }),
      configRoutes(sessions, { maxBodyBytes: settings.maxBodyBytes }),
      sessionRoutes(sessions, store, { maxBodyBytes: settings.maxBodyBytes }),
      fileRoutes({ workspace, maxFileBytes: settings.maxFileBytes ?? 1024 ** 3, logger }),
      execRoutes({ sessions, workspace, maxBodyBytes: settings.maxBodyBytes, spawn: sandboxedSpawner(sandbox), logger }),
    ],
  })
  const watch = watchEndpoint({ workspace, maxClientBufferBytes: settings.maxClientBufferBytes, logger })
  const server = createHttpServer(app, auth, logger)
  const wss = attachWebSockets(
    server,
    {
      sessions,
      log: store,
      maxFrameBytes: settings.maxFrameBytes,
      maxClientBufferBytes: settings.maxClientBufferBytes,
      slowClientGraceMs: settings.slowClientGraceMs,
      logger,
      scrub,
      auth,
      prewarm: settings.prewarm,
    },
    [watch],
  )

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const manager = sessions

  let closed: Promise<void> | undefined
  const closeAll = (graceMs: number) =>
    (closed ??= (async () => {
      await manager.shutdown(graceMs)
      for (const client of wss.clients) client.close(CLOSE_CODES.shuttingDown, 'server shutting down')
      watch.close()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await sandbox.close()
      store.close()
      unlock()
    })())

  return {
    url: `http://${host}:${port}`,
    port,
    sessions: manager,
    sandbox,
    http: app,
    shutdown: () => closeAll(settings.shutdownGraceMs),
    close: () => closeAll(0),
  }
}
