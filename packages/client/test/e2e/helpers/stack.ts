// The real pieces for an end-to-end test: the scripted model and the server in process (the real
// SDK and CLI behind it), with temporary data and workspace directories. restart() closes the
// server and starts a new one on the same port and data directory.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startScriptedModel, type Scenario } from '@claude-agent/scripted-model'
import { createLogger, settingsFromEnv, startServer, type RunningServer, type ServerSettings } from '@claude-agent/server'

// Made at run time: the sandbox tests grep every file the agent can see for the key, and the
// server's own tree (these tests included) is visible to it.
export const TEST_API_KEY = `sk-test-${randomBytes(12).toString('hex')}`

export interface Stack {
  model: Awaited<ReturnType<typeof startScriptedModel>>
  server: RunningServer
  /** `http://127.0.0.1:<port>`; stays the same across restart(). */
  url: string
  dir: string
  settings: ServerSettings
  /** server.close() (running turns are stopped), then a new server on the same port and data. */
  restart(): Promise<void>
  close(): Promise<void>
}

export async function startStack(scenario: Scenario, settings: Partial<ServerSettings> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'cas-client-e2e-'))
  const model = await startScriptedModel({ scenario })
  const full: ServerSettings = {
    // The server's own defaults, so a new setting needs no change here.
    ...settingsFromEnv({ DATA_DIR: join(dir, 'data'), WORKSPACE_DIR: join(dir, 'workspace') }),
    port: 0,
    agentVars: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: TEST_API_KEY, CLAUDE_CODE_MAX_RETRIES: '0' },
    maxFrameBytes: 1024 * 1024,
    maxBodyBytes: 64 * 1024,
    logLevel: 'silent',
    idleTimeoutMs: 0,
    maxClientBufferBytes: 8 * 1024 * 1024,
    shutdownGraceMs: 0,
    ...settings,
  }
  const logger = createLogger({ level: process.env['TEST_SERVER_LOG'] === '1' ? 'debug' : 'silent' })
  const stack: Stack = {
    model,
    server: await startServer({ settings: full, logger }),
    url: '',
    dir,
    settings: full,
    async restart() {
      await stack.server.close()
      stack.server = await startServer({ settings: { ...full, port: stack.server.port }, logger })
    },
    async close() {
      await stack.server.close()
      await model.close()
      // server.close() does not wait for the CLI processes to exit; they may still write their state.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
  stack.url = stack.server.url
  return stack
}

/** A one-reply text script. */
export const say = (prompt: string, text: string) => ({
  match: { prompt },
  replies: [{ content: [{ type: 'text' as const, text }] }],
})

/** A text reply streamed slowly enough to interrupt or cut mid-answer. */
export const slowly = (prompt: string, text: string, chunkDelayMs = 40) => ({
  match: { prompt },
  replies: [{ content: [{ type: 'text' as const, text }], chunkSize: 4, chunkDelayMs }],
})

/** Polls `check` until it is truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * Waits until `connection` has delivered every event of session `id` and the session is quiet
 * (the CLI reports a turn complete a moment after its result). Resolves with the last seq.
 */
export async function caughtUp(
  connection: { lastSeq: number | undefined },
  sessions: { get(id: string): Promise<{ lastSeq: number }> },
  id: string,
): Promise<number> {
  for (;;) {
    const { lastSeq } = await sessions.get(id)
    await waitFor(() => connection.lastSeq === lastSeq, `the client to reach seq ${lastSeq}`)
    await new Promise((r) => setTimeout(r, 300))
    if ((await sessions.get(id)).lastSeq === lastSeq) return lastSeq
  }
}

/** Whether an agent made `name` in some session's workspace (the default session's, or a named
 * session's own: each has its own directory, docs/tenancy.md). */
export function madeInAWorkspace(settings: { dataDir: string; workspaceDir: string }, name: string): boolean {
  const sessions = join(settings.dataDir, 'workspaces', 'sessions')
  const dirs = [settings.workspaceDir, ...(existsSync(sessions) ? readdirSync(sessions).map((id) => join(sessions, id)) : [])]
  return dirs.some((dir) => existsSync(join(dir, name)))
}

/** A model reply that runs `command` with the Bash tool. */
export const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
/** The model's reply after a tool: what the tool said. */
export const done = { content: [{ type: 'text' as const, text: 'Tool said: {{toolResult}}' }] }
