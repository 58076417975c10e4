// The local provider: runs the server package's entry point (`@claude-agent/server`, an
// optional peer dependency) as a child process on a free loopback port, with a fresh token,
// its own data and workspace directories, and the model credential in its environment.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import { callerEnv, credentialEnv, secretValues, type CredentialOptions } from './credentials.js'
import { waitForHealth } from './health.js'
import type { SandboxInfo, SandboxProvider, ServerEndpoint } from './provider.js'
import { generateToken } from './token.js'

export const SERVER_PACKAGE = '@claude-agent/server'

export interface LocalProviderOptions extends CredentialOptions {
  /** The server's DATA_DIR (sessions, logs, CLI state). @default a fresh temporary directory, removed by stop() */
  dataDir?: string
  /** The agent's WORKSPACE_DIR. @default `<dataDir>/workspace` */
  workspaceDir?: string
  /** The token the server requires (AUTH_TOKEN). @default a fresh random token */
  token?: string
  /** The server's LOG_LEVEL; its output goes to `log`. @default 'warn' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** How long to wait for `/health`. @default 30_000 */
  startTimeoutMs?: number
  /** The server's entry point. @default `main.js` of the installed `@claude-agent/server` */
  serverMain?: string
  /** Where the server's output lines go (secrets scrubbed). @default nowhere */
  log?: DebugLog
}

const OUTPUT_LINES_KEPT = 20
const STOP_GRACE_MS = 15_000

/**
 * @example
 * const client = new ClaudeAgentClient({ provider: 'local', anthropicApiKey: process.env.ANTHROPIC_API_KEY })
 * await client.start() // spawns the server, waits for /health, connects with its token
 */
export class LocalProvider implements SandboxProvider {
  readonly name = 'local'
  readonly passesCredential = true
  private child?: ChildProcess
  private exited?: Promise<void>
  private exitReason?: string
  private endpoint?: ServerEndpoint
  private dirs?: { dataDir: string; workspaceDir: string; temporary?: string }
  private readonly output: string[] = []
  private stopping?: Promise<void>
  /** stop() calls so far: a start() that a stop() overtook gives up at its next step. */
  private stops = 0

  constructor(private readonly options: LocalProviderOptions = {}) {}

  async start(signal?: AbortSignal): Promise<ServerEndpoint> {
    if (this.child) throw new ClaudeAgentClientError('ALREADY_STARTED', 'This local server was started already')
    const main = this.options.serverMain ?? resolveServerMain()
    const stops = this.stops
    this.dirs = await this.directories()
    if (this.stops !== stops || signal?.aborted) {
      // stop() ran while the directories were made: it found nothing to remove yet.
      await this.release()
      throw signal?.aborted
        ? signal.reason
        : new ClaudeAgentClientError('CLIENT_STOPPED', 'stop() was called while the local server was starting')
    }
    const token = this.options.token ?? generateToken()
    const env = this.environment(token)
    const scrub = scrubber([token, ...secretValues(env)])
    // A port found free may be taken before the server binds it: try another one then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const child = this.spawn(main, { ...env, PORT: String(port) }, scrub)
      const baseUrl = `http://127.0.0.1:${port}`
      try {
        await waitForHealth(baseUrl, {
          token,
          timeoutMs: this.options.startTimeoutMs ?? 30_000,
          gone: () => this.exitReason,
          ...(signal && { signal }),
        })
        this.endpoint = { baseUrl, token }
        return this.endpoint
      } catch (error) {
        const portTaken = this.output.some((line) => line.includes('EADDRINUSE'))
        await this.kill(child)
        if (!portTaken || attempt >= 3) throw error
      }
    }
  }

  async stop(): Promise<void> {
    this.stops++
    this.stopping ??= this.release().finally(() => (this.stopping = undefined))
    return this.stopping
  }

  /** The server process exited: it never comes back by itself. */
  gone(): Promise<string | undefined> {
    const reason = this.child && this.exitReason
    return Promise.resolve(reason ? `the local server is gone: ${reason}` : undefined)
  }

  info(): SandboxInfo | undefined {
    if (!this.child || !this.endpoint || !this.dirs) return undefined
    const { dataDir, workspaceDir } = this.dirs
    return {
      provider: this.name,
      id: `local-${this.child.pid}`,
      pid: this.child.pid,
      baseUrl: this.endpoint.baseUrl,
      dataDir,
      workspaceDir,
    }
  }

  private async directories(): Promise<{ dataDir: string; workspaceDir: string; temporary?: string }> {
    const { dataDir, workspaceDir } = this.options
    const temporary = dataDir ? undefined : await mkdtemp(join(tmpdir(), 'claude-agent-local-'))
    const data = dataDir ?? join(temporary!, 'data')
    await mkdir(data, { recursive: true })
    return { dataDir: data, workspaceDir: workspaceDir ?? join(data, 'workspace'), ...(temporary && { temporary }) }
  }

  private environment(token: string): Record<string, string> {
    const caller = callerEnv()
    const base: Record<string, string> = {}
    for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SystemRoot']) if (caller[name]) base[name] = caller[name]!
    return {
      ...base,
      ...credentialEnv(this.options),
      HOST: '127.0.0.1',
      DATA_DIR: this.dirs!.dataDir,
      WORKSPACE_DIR: this.dirs!.workspaceDir,
      AUTH_TOKEN: token,
      LOG_LEVEL: this.options.logLevel ?? 'warn',
    }
  }

  private spawn(main: string, env: Record<string, string>, scrub: (line: string) => string): ChildProcess {
    this.output.length = 0
    this.exitReason = undefined
    // cwd: the data directory, so the server never loads a `.env` of the caller's directory.
    const child = spawn(process.execPath, [main], { cwd: this.dirs!.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    const onLine = (line: string) => {
      const clean = scrub(line)
      this.output.push(clean)
      if (this.output.length > OUTPUT_LINES_KEPT) this.output.shift()
      this.options.log?.(`[local server] ${clean}`)
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.exitReason = `could not run ${process.execPath}: ${error.message}`
        resolve()
      })
      child.once('exit', (code, signal) => {
        this.exitReason ??= `the process exited (${signal ?? `code ${code}`})${this.output.length ? `:\n${this.output.join('\n')}` : ''}`
        resolve()
      })
    })
    // A caller that exits without stop() must not leave the server running.
    const killOnExit = () => child.kill('SIGKILL')
    process.once('exit', killOnExit)
    void this.exited.then(() => process.removeListener('exit', killOnExit))
    return child
  }

  /** SIGTERM (the server finishes its turns and exits), SIGKILL if it takes too long. */
  private async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      await this.exited
      clearTimeout(timer)
    }
    if (this.child === child) this.child = undefined
  }

  private async release(): Promise<void> {
    if (this.child) await this.kill(this.child)
    this.endpoint = undefined
    const temporary = this.dirs?.temporary
    this.dirs = undefined
    if (temporary) await rm(temporary, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}

/** `main.js` next to the installed server package's entry. */
export function resolveServerMain(): string {
  let entry: string
  try {
    entry = import.meta.resolve(SERVER_PACKAGE)
  } catch (error) {
    throw new ClaudeAgentClientError(
      'PROVIDER_FAILED',
      `provider: 'local' runs the server package, which is not installed: npm install ${SERVER_PACKAGE}`,
      { cause: error },
    )
  }
  return fileURLToPath(new URL('./main.js', entry))
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

function scrubber(secrets: string[]): (line: string) => string {
  const values = secrets.filter((s) => s.length >= 8)
  return (line) => values.reduce((out, secret) => out.split(secret).join('[redacted]'), line)
}
