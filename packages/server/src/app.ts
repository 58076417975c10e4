// Builds the server from its parts: sessions, HTTP routes, WebSockets. Tests start it in
// process on port 0; main.ts starts it from the environment.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AgentFactory } from './agent/agent.js'
import { claudeSdkAgentFactory } from './agent/claude-sdk.js'
import { secretValues } from './credentials.js'
import type { EventLog } from './event-log/event-log.js'
import { MemoryEventLog } from './event-log/memory-event-log.js'
import { createRouter } from './http/router.js'
import { createLogger, scrubSecrets, type Logger } from './logger.js'
import { configRoutes } from './routes/config.js'
import { healthRoutes } from './routes/health.js'
import { SessionManager } from './sessions/session-manager.js'
import type { ServerSettings } from './settings.js'
import { attachWebSockets } from './ws/upgrade.js'

export interface StartServerOptions {
  settings: ServerSettings
  /** @default the Claude Agent SDK */
  agents?: AgentFactory
  /** @default an in-memory log */
  log?: EventLog
  /** @default a console logger at settings.logLevel that scrubs secrets */
  logger?: Logger
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string
  readonly port: number
  readonly sessions: SessionManager
  close(): Promise<void>
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { settings } = options
  let sessions: SessionManager | undefined
  // Every secret the server knows: from its environment and from posted config.
  const secrets = () => [
    ...secretValues(settings.agentVars),
    ...(sessions?.getConfig().anthropicApiKey ? [sessions.getConfig().anthropicApiKey as string] : []),
  ]
  const scrub = (text: string) => scrubSecrets(text, secrets())
  const logger = options.logger ?? createLogger({ level: settings.logLevel, secrets })
  const demo = settings.demoModelUrl !== undefined

  sessions = new SessionManager({
    settings,
    agents: options.agents ?? claudeSdkAgentFactory,
    log: options.log ?? new MemoryEventLog(),
    logger,
    scrub,
  })
  const routes = [...healthRoutes({ demo }), ...configRoutes(sessions, { maxBodyBytes: settings.maxBodyBytes, demo })]
  const server: Server = createServer(createRouter(routes, logger))
  const wss = attachWebSockets(server, { sessions, maxFrameBytes: settings.maxFrameBytes, demo, logger })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const running = sessions

  return {
    url: `http://${host}:${port}`,
    port,
    sessions: running,
    async close() {
      running.closeAll()
      for (const client of wss.clients) client.close(1001, 'server shutting down')
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
