// Starts the real pieces for an end-to-end test: the scripted model on a loopback port and
// the server in process on another, with temporary data and workspace directories.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startScriptedModel, type Scenario } from '@claude-agent/scripted-model'
import { createLogger, settingsFromEnv, startServer, type RunningServer, type Sandbox, type ServerSettings } from '../../src/index.js'
import { removeTreeSync } from '../../src/remove-tree.js'

// Made at run time: the sandbox tests grep every file the agent can see for the key, and the
// server's own tree (these tests included) is visible to it.
export const TEST_API_KEY = `sk-test-${randomBytes(12).toString('hex')}`

export interface Stack {
  model: Awaited<ReturnType<typeof startScriptedModel>>
  server: RunningServer
  /** What the server was started with (to start another on the same data). */
  settings: ServerSettings
  url: string
  wsUrl: string
  dir: string
  /** The default session's workspace (WORKSPACE_DIR). */
  workspace: string
  /** A session's workspace directory on the host. */
  workspaceOf(sessionId: string): string
  /** Where the shared workspace `name` is (made by the first session that names it). */
  sharedWorkspace(name: string): string
  logLines: string[]
  close(): Promise<void>
}

export interface StackOptions {
  scenario?: Scenario
  /** Replaces the default agent vars (base URL + key + no retries). */
  agentVars?: (modelUrl: string) => Record<string, string>
  settings?: Partial<ServerSettings>
  /** @default the one settings.sandbox names (bubblewrap) */
  sandbox?: (settings: ServerSettings) => Sandbox
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'cas-test-'))
  const model = await startScriptedModel({ scenario: options.scenario ?? { scripts: [] } })
  const agentVars = options.agentVars?.(model.url) ?? {
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: TEST_API_KEY,
    CLAUDE_CODE_MAX_RETRIES: '0',
  }
  const settings: ServerSettings = {
    // The server's own defaults, so a new setting needs no change here.
    ...settingsFromEnv({ DATA_DIR: join(dir, 'data'), WORKSPACE_DIR: join(dir, 'workspace') }),
    port: 0,
    agentVars,
    maxFrameBytes: 1024 * 1024,
    maxBodyBytes: 64 * 1024,
    logLevel: 'debug',
    idleTimeoutMs: 0,
    maxClientBufferBytes: 8 * 1024 * 1024,
    shutdownGraceMs: 0,
    permissionTimeoutMs: 60_000,
    // Every end-to-end test runs the CLI in the real sandbox, as production does.
    sandbox: 'bubblewrap',
    // No CLI started ahead unless a test asks (warm-pool.test.ts): the others count their own.
    warmPoolSize: 0,
    ...options.settings,
  }
  const logLines: string[] = []
  // Capture what the server logs so tests can check that no secret reaches it.
  const secrets = () => Object.values(agentVars).filter((v) => v.startsWith('sk-'))
  // Each line as `<level> <JSON line>`, scrubbed as production writes it.
  const capture = (line: string) => logLines.push(`${(JSON.parse(line) as { level: string }).level} ${line}`)
  const logger = createLogger({ level: 'debug', format: 'json', secrets, write: capture })
  const server = await startServer({ settings, logger, ...(options.sandbox ? { sandbox: options.sandbox(settings) } : {}) })
  return {
    model,
    server,
    settings,
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/ws`,
    dir,
    workspace: settings.workspaceDir,
    workspaceOf: (id) => server.sessions.get(id).workspace.root,
    sharedWorkspace: (name) => join(settings.dataDir, 'workspaces', 'shared', name),
    logLines,
    async close() {
      await server.close()
      await model.close()
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
      } catch {
        removeTreeSync(dir) // a tree a test nested past PATH_MAX
      }
    },
  }
}

/** A one-reply text script. */
export const say = (prompt: string, text: string) => ({
  match: { prompt },
  replies: [{ content: [{ type: 'text' as const, text }] }],
})

/** The body of the latest request that played a scripted turn (not a side request), as text. */
export function lastTurnRequest(stack: Stack): string {
  const turn = stack.model.requests.filter((r) => r.kind === 'turn' || r.kind === 'fallback').at(-1)
  if (!turn) throw new Error('the model received no turn request')
  return JSON.stringify(turn.body)
}
