// The server inside an E2B sandbox: started with the model credential and a token in its
// environment, or found running (after a resume, or started by another client of the same
// sandbox), and waited for until `/health` answers. One server per sandbox, whoever starts it.
import type { Sandbox } from 'e2b'
import { sleep } from '../abort.js'
import { ClaudeAgentClientError } from '../errors.js'
import { credentialEnv, secretValues, type CredentialOptions } from './credentials.js'
import { probe, waitForHealth } from './health.js'
import { E2B_SERVER_PORT, E2B_START_COMMAND } from './e2b-template.js'
import type { ServerEndpoint } from './provider.js'
import { generateToken } from './token.js'

/** The template's DATA_DIR. The token is kept next to it so another process can reconnect by sandbox id. */
const TOKEN_FILE = '/home/user/.claude-agent-server/client-auth-token'
/** The exit code of the start command when another client's server holds the sandbox's lock. */
const SERVER_RUNNING = 75
const JOINED = 'another client runs the server'
/**
 * The command takes a lock (held by the server process for its life, released when it dies)
 * and stores its token only once it holds it; without the lock it exits SERVER_RUNNING.
 */
const GUARDED_START =
  `mkdir -p "$(dirname "$CLAUDE_AGENT_TOKEN_FILE")" && exec 9>"$CLAUDE_AGENT_TOKEN_FILE.lock" && ` +
  `{ flock -n 9 || exit ${SERVER_RUNNING}; } && (umask 077; printf '%s' "$AUTH_TOKEN" > "$CLAUDE_AGENT_TOKEN_FILE") && ` +
  `exec ${E2B_START_COMMAND}`

export interface SandboxServerOptions extends CredentialOptions {
  /** The token the server requires. @default the one stored in the sandbox, else a fresh random one */
  token?: string | undefined
  startTimeoutMs: number
  serverUrl(sandbox: Sandbox): string
  /** One call into the sandbox, its failure as `PROVIDER_FAILED`. */
  call<T>(what: string, run: () => Promise<T>): Promise<T>
  log(message: string): void
}

export class SandboxServer {
  private token?: string
  private exit?: string
  private readonly output: string[] = []

  constructor(private readonly options: SandboxServerOptions) {}

  /** With `reuse`, a server that answers already; else (or when none does) start it. */
  async ensure(sandbox: Sandbox, how: { reuse: boolean; signal?: AbortSignal | undefined }): Promise<ServerEndpoint> {
    const baseUrl = this.options.serverUrl(sandbox)
    const signal = how.signal ?? new AbortController().signal
    if (how.reuse) {
      this.token ??= this.options.token ?? (await storedToken(sandbox))
      if (this.token && (await probe(`${baseUrl}/health`, this.token, signal)) === 200) return { baseUrl, token: this.token }
    }
    this.token ??= this.options.token ?? generateToken()
    await this.start(sandbox, this.token)
    try {
      // 401 counts as up: the server is there and wants its token (which we have).
      await waitForHealth(baseUrl, {
        token: this.token,
        acceptUnauthorized: true,
        timeoutMs: this.options.startTimeoutMs,
        gone: () => this.exit,
        signal,
        intervalMs: 250,
      })
    } catch (error) {
      if (this.exit !== JOINED) throw error
      return this.join(sandbox, baseUrl, signal)
    }
    return { baseUrl, token: this.token }
  }

  /** Another client's server holds the sandbox: wait for it, with the token it stored. */
  private async join(sandbox: Sandbox, baseUrl: string, signal: AbortSignal): Promise<ServerEndpoint> {
    this.options.log(`sandbox ${sandbox.sandboxId} runs a server already (another client started it); waiting for it`)
    const deadline = Date.now() + this.options.startTimeoutMs
    for (;;) {
      const token = await storedToken(sandbox)
      if (token) {
        await waitForHealth(baseUrl, { token, timeoutMs: Math.max(0, deadline - Date.now()), signal, intervalMs: 250 })
        this.token = token
        return { baseUrl, token }
      }
      if (Date.now() > deadline) {
        const message = `E2B: the server of sandbox ${sandbox.sandboxId} stored no token within ${this.options.startTimeoutMs} ms`
        throw new ClaudeAgentClientError('PROVIDER_FAILED', message)
      }
      await sleep(250, signal)
    }
  }

  private async start(sandbox: Sandbox, token: string): Promise<void> {
    const envs = {
      ...credentialEnv(this.options),
      HOST: '0.0.0.0',
      PORT: String(E2B_SERVER_PORT),
      AUTH_TOKEN: token,
      CLAUDE_AGENT_TOKEN_FILE: TOKEN_FILE,
    }
    const secrets = [token, ...secretValues(envs)]
    const keep = (data: string) => {
      for (const line of data.split('\n').filter(Boolean)) {
        const clean = secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), line)
        this.output.push(clean)
        if (this.output.length > 20) this.output.shift()
        this.options.log(`[sandbox server] ${clean}`)
      }
    }
    this.exit = undefined
    // timeoutMs 0: the server runs as long as the sandbox, not the SDK's 60 s command default.
    const server = await this.options.call('start the server', () =>
      sandbox.commands.run(GUARDED_START, { background: true, envs, timeoutMs: 0, onStdout: keep, onStderr: keep }),
    )
    // A non-zero exit rejects (CommandExitError, with exitCode); a cut connection rejects too.
    const exited = (code: number) =>
      code === SERVER_RUNNING ? JOINED : `the server exited (code ${code})${this.output.length ? `:\n${this.output.join('\n')}` : ''}`
    server.wait().then(
      (result) => (this.exit = exited(result.exitCode)),
      (error: unknown) => {
        const code = (error as { exitCode?: unknown }).exitCode
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        this.exit = typeof code === 'number' ? exited(code) : `the connection to the server's process ended: ${why}`
      },
    )
  }
}

/** The token a previous start stored in the sandbox, if any. */
async function storedToken(sandbox: Sandbox): Promise<string | undefined> {
  try {
    return (await sandbox.files.read(TOKEN_FILE)).trim() || undefined
  } catch {
    return undefined
  }
}
