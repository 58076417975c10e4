#!/usr/bin/env node
// `npm start`: serve the original protocol from the environment (and .env). With no model
// credential it runs the scripted demo model so the whole flow works on a fresh machine.
// Each session's CLI runs in a bubblewrap sandbox unless `--sandbox none` (SANDBOX=none) says not to.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { demoScenario, startScriptedModel } from '@claude-agent/scripted-model'
import { killOrphanedAgents } from './agent/orphans.js'
import { startServer } from './app.js'
import { describeModelEndpoint, hasCredential, secretValues } from './credentials.js'
import { generateToken, isLoopback } from './http/auth.js'
import { createLogger } from './logger.js'
import { DEFAULT_MODEL_API } from './sandbox/sandbox-env.js'
import { scrub, secrets } from './secrets.js'
import { checkDirs, checkPort } from './settings-check.js'
import { USAGE, parseCommandLine, settingsFromEnv, type ServerSettings } from './settings.js'
import { handleShutdownSignals } from './signals.js'
import { DEMO_NOTICE } from './notices.js'
import { loadPrices } from './usage/prices.js'

/** The server's own package, or the monorepo holding it: the agent must never work inside. */
function sourceRoot(): string {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const repoRoot = resolve(packageRoot, '..', '..')
  return existsSync(join(repoRoot, 'packages', 'server')) ? repoRoot : packageRoot
}

function authSummary(settings: ServerSettings): string {
  if (settings.authTokens.length === 0 && !settings.oidc) return 'open (loopback only): every client is the admin "local"'
  const roles = settings.authTokens.map((t) => `${t.label} (${t.role ?? 'admin'})`).join(', ')
  return `bearer token required${roles ? `: ${roles}` : ''}${settings.oidc ? `; JWTs from ${settings.oidc.issuer}` : ''}`
}

async function main(): Promise<void> {
  // Long on purpose: the start-up steps (env, secrets, settings, demo model, server, signals, banner) in the order they must run.
  const argv = process.argv.slice(2)
  if (parseCommandLine(argv).help) {
    process.stdout.write(USAGE)
    return
  }
  if (existsSync('.env')) process.loadEnvFile('.env')
  // Before anything can print: keys and tokens from the environment join the secret registry.
  for (const value of secretValues(process.env)) secrets.add(value)
  // The tokens' values join the registry before a message could name one (parseTokens never does).
  for (const part of (process.env['AUTH_TOKENS'] ?? '').split(',')) secrets.add(part.trim())
  secrets.add((process.env['AUTH_TOKEN'] ?? '').trim())
  const settings = settingsFromEnv(process.env, argv)
  for (const { token } of settings.authTokens) secrets.add(token)
  // Before anything is created: a bad directory, port or price table stops the start with one line.
  checkPort(settings.port)
  if (settings.budgets?.pricesFile) loadPrices(settings.budgets.pricesFile)
  Object.assign(settings, checkDirs({ ...settings, sourceRoot: sourceRoot() }))
  const logger = createLogger({ level: settings.logLevel, ...(settings.logFormat ? { format: settings.logFormat } : {}) })

  // Beyond loopback the server is never open: without a configured token it makes one.
  const generated = settings.authTokens.length === 0 && !settings.oidc && !isLoopback(settings.host) ? generateToken() : undefined
  if (generated) {
    settings.authTokens.push(generated)
    secrets.add(generated.token)
  }

  let stopModel: (() => Promise<void>) | undefined
  if (!hasCredential(process.env)) {
    const model = await startScriptedModel({ scenario: demoScenario })
    settings.demoModelUrl = model.url
    stopModel = () => model.close()
  }

  const server = await startServer({ settings, logger })
  // At once: a signal during the start-up lines below must shut down gracefully too.
  handleShutdownSignals({
    logger,
    async graceful(signal) {
      logger.info(`${signal}: shutting down (running turns get up to ${settings.shutdownGraceMs} ms to finish; ${signal} again forces)`)
      await server.shutdown()
      await stopModel?.()
    },
    force(signal) {
      for (const { id } of server.sessions.list()) server.sessions.get(id).stop(`a second ${signal} forced the shutdown`)
      // In a cluster the data dir is shared: only this node's own sessions' processes.
      const mine = settings.cluster && settings.databaseUrl ? server.sessions.list().map(({ id }) => join('sessions', id)) : ['sessions']
      for (const dir of mine) killOrphanedAgents(join(settings.dataDir, dir))
    },
  })
  // Said once the server is up: a start that fails says only why.
  if (settings.demoModelUrl !== undefined) logger.warn(DEMO_NOTICE)
  logger.info(`claude-agent-server listening on ${server.url}`)
  logger.info(`  config:    ${server.url}/config`)
  logger.info(`  websocket: ${server.url.replace(/^http/, 'ws')}/ws`)
  logger.info(`  workspace: ${settings.workspaceDir}`)
  logger.info(`  model:     ${describeModelEndpoint(settings.agentVars, settings.demoModelUrl, DEFAULT_MODEL_API)}`)
  logger.info(`  auth:      ${authSummary(settings)}`)
  if (generated) {
    // Printed once, on purpose, straight to the terminal (the logger scrubs tokens).
    process.stdout.write(
      `\nNo AUTH_TOKEN is set and the server listens beyond loopback, so it generated one:\n\n` +
        `  ${generated.token}\n\n` +
        `Send it as "Authorization: Bearer <token>" (HTTP and WebSocket), or from a browser as the\n` +
        `WebSocket subprotocols ["bearer", "<token>"]. Set AUTH_TOKEN to choose your own.\n\n`,
    )
  }
  logger.info(`  sandbox:   ${server.sandbox.kind}`)
}

main().catch((err: unknown) => {
  console.error(scrub(`claude-agent-server failed to start: ${err instanceof Error ? err.message : String(err)}`))
  process.exit(1)
})
