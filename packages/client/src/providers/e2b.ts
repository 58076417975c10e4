// The E2B provider, the original client's default: creates a sandbox from the
// `claude-agent-server` template (or reconnects to one by sandbox id, or finds the one of a
// session id: e2b-session.ts), starts the server in it with the model credential and a fresh
// token in its environment (e2b-server.ts; the credential never goes over `/config`), waits for
// `/health`, and keeps the sandbox alive while turns run. The only module that loads `e2b` (an
// optional peer dependency, imported when this provider starts; the others import its types).
import type { Sandbox } from 'e2b'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import { callerEnv, type CredentialOptions } from './credentials.js'
import { describeE2BError } from './e2b-errors.js'
import { SESSION_METADATA_KEY, sessionSandbox } from './e2b-session.js'
import { SandboxServer } from './e2b-server.js'
import { E2B_SERVER_PORT, E2B_TEMPLATE } from './e2b-template.js'
import type { SandboxInfo, SandboxProvider, ServerEndpoint } from './provider.js'

export { E2B_APP_DIR, E2B_SERVER_PORT, E2B_START_COMMAND, E2B_TEMPLATE } from './e2b-template.js'

export interface E2BProviderOptions extends CredentialOptions {
  /** E2B API key. @default process.env.E2B_API_KEY */
  apiKey?: string
  /** Template name or id. @default 'claude-agent-server' */
  template?: string
  /** Sandbox timeout, renewed while turns run. @default 300_000 (5 minutes) */
  timeoutMs?: number
  /** Connect to this existing (running or paused) sandbox instead of creating one. */
  sandboxId?: string
  /**
   * One sandbox per session id (a user, a task): start() finds the sandbox whose metadata
   * `claude-agent-session` is this id, resumes it if paused, and creates it (with that metadata)
   * if there is none. Clients starting the same id at once end up in one sandbox.
   */
  sessionId?: string
  /**
   * What stop() does with the sandbox: `kill` it; `pause` it (memory kept; resumed by the next
   * start with `sessionId` or `sandboxId`); or `keep` it running (e.g. another client uses it;
   * its timeout ends it). A sandbox paused by `pause()` is always kept.
   * @default 'kill'
   */
  onClose?: 'kill' | 'pause' | 'keep'
  /** The token the server requires. @default the one stored in the sandbox, else a fresh random one */
  token?: string
  /** How long to wait for the server's `/health`. @default 60_000 */
  startTimeoutMs?: number
  /** While a turn runs, renew the sandbox timeout this often. @default timeoutMs / 2 */
  keepAliveIntervalMs?: number
  /** Sandbox metadata (visible in `Sandbox.list()`). */
  metadata?: Record<string, string>
  /** E2B domain. @default the SDK's (E2B_DOMAIN or e2b.app) */
  domain?: string
  /** The E2B API (self-hosted E2B, a stand-in). @default the SDK's (E2B_API_URL, else `https://api.<domain>`) */
  apiUrl?: string
  /** Every sandbox's envd, routed by sandbox id. @default the SDK's (E2B_SANDBOX_URL, else per sandbox) */
  sandboxUrl?: string
  /** How long one E2B API call may take before it fails with `PROVIDER_FAILED`. @default 30_000 */
  requestTimeoutMs?: number
  /**
   * The server's URL from the host E2B gives its port (`sandbox.getHost(3000)`, e.g.
   * `3000-<id>.e2b.app`), for a self-hosted E2B or a proxy in front of it.
   * @default (host) => `https://${host}`
   */
  serverUrl?: (host: string) => string
  /** Debug output (secrets scrubbed by the client's logger). */
  log?: DebugLog
}

export class E2BProvider implements SandboxProvider {
  readonly name = 'e2b'
  readonly passesCredential = true
  private sandbox?: Sandbox
  private readonly server: SandboxServer
  private keepAlive?: ReturnType<typeof setInterval>
  private paused = false
  private stopped = false

  constructor(private readonly options: E2BProviderOptions = {}) {
    this.server = new SandboxServer({
      ...options,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      serverUrl: (sandbox) => this.serverUrl(sandbox),
      call: (what, run) => this.call(what, run, 'sandbox'),
      log: (message) => this.log(message),
    })
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 300_000
  }

  async start(signal?: AbortSignal): Promise<ServerEndpoint> {
    this.stopped = false
    this.paused = false
    const { Sandbox } = await loadE2b()
    const { sandbox, reuse } = await this.obtainSandbox(Sandbox)
    if (this.stopped) {
      // stop() ran while the sandbox was being made: it cannot have killed it. One found (a
      // session's, or by id) may serve others: leave it.
      if (!reuse) await sandbox.kill().catch(() => undefined)
      throw new ClaudeAgentClientError('CLIENT_STOPPED', 'The provider was stopped while the sandbox was being created')
    }
    this.sandbox = sandbox
    this.log(`sandbox ${sandbox.sandboxId} ready`)
    return this.server.ensure(sandbox, { reuse, signal })
  }

  /** The sandbox to run in: the one named by `sandboxId`, the session's, or a new one. */
  private async obtainSandbox(Sandbox: typeof import('e2b').Sandbox): Promise<{ sandbox: Sandbox; reuse: boolean }> {
    const { sandboxId, sessionId } = this.options
    if (sandboxId) {
      return {
        sandbox: await this.call(`connect to sandbox ${sandboxId}`, () => Sandbox.connect(sandboxId, this.connectionOptions())),
        reuse: true,
      }
    }
    const metadata = { ...this.options.metadata, ...(sessionId !== undefined && { [SESSION_METADATA_KEY]: sessionId }) }
    const create = () => Sandbox.create(this.options.template ?? E2B_TEMPLATE, { ...this.connectionOptions(), metadata })
    if (sessionId === undefined) return { sandbox: await this.call('create a sandbox', create), reuse: false }
    return this.call(`find or create the sandbox of session ${sessionId}`, () =>
      sessionSandbox(sessionId, {
        list: () =>
          listAll(Sandbox, {
            ...this.connectionOptions(),
            query: { metadata: { [SESSION_METADATA_KEY]: sessionId }, state: ['running', 'paused'] },
          }),
        connect: (id) => Sandbox.connect(id, this.connectionOptions()),
        create,
        kill: async (sandbox) => void (await sandbox.kill()),
        log: (message) => this.log(message),
      }),
    )
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.onTurnEnd()
    const sandbox = this.sandbox
    this.sandbox = undefined
    // A paused sandbox was parked on purpose (resume it later with `sandboxId`): keep it.
    if (!sandbox || this.paused || this.options.onClose === 'keep') return
    if (this.options.onClose === 'pause') {
      await sandbox.pause().then(
        () => (this.paused = true),
        (error: unknown) => this.log(`pausing sandbox ${sandbox.sandboxId} failed (left running): ${describe(error)}`),
      )
      return
    }
    await sandbox.kill().catch((error: unknown) => this.log(`killing sandbox ${sandbox.sandboxId} failed: ${describe(error)}`))
  }

  info(): SandboxInfo | undefined {
    const sandbox = this.sandbox
    if (!sandbox) return undefined
    return {
      provider: this.name,
      id: sandbox.sandboxId,
      template: this.options.template ?? E2B_TEMPLATE,
      host: sandbox.getHost(E2B_SERVER_PORT),
      url: this.serverUrl(sandbox),
      paused: this.paused,
      ...(this.options.sessionId !== undefined && { session: this.options.sessionId }),
    }
  }

  onTurnStart(): void {
    if (this.keepAlive || !this.sandbox || this.paused) return
    this.extend()
    this.keepAlive = setInterval(() => this.extend(), this.options.keepAliveIntervalMs ?? Math.max(1_000, this.timeoutMs / 2))
    this.keepAlive.unref?.()
  }

  onTurnEnd(): void {
    clearInterval(this.keepAlive)
    this.keepAlive = undefined
  }

  /** Pause the sandbox (memory kept: the server resumes where it was). */
  async pause(): Promise<void> {
    const sandbox = this.requireSandbox('pause')
    this.onTurnEnd()
    await this.call(`pause sandbox ${sandbox.sandboxId}`, () => sandbox.pause())
    this.paused = true
  }

  /** Resume the paused sandbox (by connecting to it) and wait for its server. */
  async resume(signal?: AbortSignal): Promise<ServerEndpoint> {
    const { Sandbox } = await loadE2b()
    const id = this.requireSandbox('resume').sandboxId
    const sandbox = await this.call(`resume sandbox ${id}`, () => Sandbox.connect(id, this.connectionOptions()))
    this.sandbox = sandbox
    this.paused = false
    return this.server.ensure(sandbox, { reuse: true, signal })
  }

  /** The sandbox was killed or its timeout ran out (E2B no longer knows it): its server never comes back. */
  async gone(): Promise<string | undefined> {
    const sandbox = this.sandbox
    if (!sandbox) return undefined
    try {
      await sandbox.getInfo({ requestTimeoutMs: this.requestTimeoutMs })
      return undefined
    } catch (error) {
      const name = error instanceof Error ? error.name : ''
      if (name !== 'SandboxNotFoundError' && name !== 'NotFoundError') return undefined // unreachable is not gone
      return `the E2B sandbox ${sandbox.sandboxId} is gone (killed, or its timeout ran out)`
    }
  }

  private extend(): void {
    const sandbox = this.sandbox
    sandbox
      ?.setTimeout(this.timeoutMs)
      .catch((error: unknown) => this.log(`extending sandbox ${sandbox.sandboxId} failed: ${describe(error)}`))
  }

  private serverUrl(sandbox: Sandbox): string {
    const host = sandbox.getHost(E2B_SERVER_PORT)
    return this.options.serverUrl ? this.options.serverUrl(host) : `https://${host}`
  }

  private get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000
  }

  private connectionOptions() {
    const { domain, apiUrl, sandboxUrl } = this.options
    const apiKey = this.options.apiKey ?? callerEnv()['E2B_API_KEY']
    return {
      ...(apiKey && { apiKey }),
      ...(domain && { domain }),
      ...(apiUrl && { apiUrl }),
      ...(sandboxUrl && { sandboxUrl }),
      timeoutMs: this.timeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      // The SDK's retry of a 429 sends a clone of each request, and Node's fetch follows the
      // original's abort into a clone through a weak reference: after a garbage collection the
      // requestTimeoutMs never fired and a call to an API that did not answer hung for good. A
      // 429 is reported at once instead (PROVIDER_FAILED, "wait, or kill sandboxes").
      retries: 0,
    }
  }

  private requireSandbox(what: string): Sandbox {
    if (this.sandbox) return this.sandbox
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${what}: no sandbox (start the client first)`)
  }

  /** One E2B call (to the API, or to the sandbox's envd); its failure as `PROVIDER_FAILED` naming the cause. */
  private async call<T>(what: string, run: () => Promise<T>, to: 'api' | 'sandbox' = 'api'): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const env = callerEnv()
      const domain = this.options.domain ?? env['E2B_DOMAIN'] ?? 'e2b.app'
      const url =
        to === 'api'
          ? (this.options.apiUrl ?? env['E2B_API_URL'] ?? `https://api.${domain}`)
          : (this.options.sandboxUrl ?? env['E2B_SANDBOX_URL'] ?? `the sandbox (${this.sandbox?.sandboxId ?? 'new'}.${domain})`)
      const why = describeE2BError(error, { url, timeoutMs: this.requestTimeoutMs })
      throw new ClaudeAgentClientError('PROVIDER_FAILED', `E2B: could not ${what}: ${why}`, { cause: error })
    }
  }

  private log(message: string): void {
    this.options.log?.(`[e2b] ${message}`)
  }
}

/** Every sandbox E2B lists for `options` (all pages). */
async function listAll(Sandbox: typeof import('e2b').Sandbox, options: object): Promise<Array<{ sandboxId: string; startedAt: Date }>> {
  // The SDK reads the connection options (apiUrl too) here; its list options' type names fewer.
  const pages = Sandbox.list(options)
  const found = []
  while (pages.hasNext) found.push(...(await pages.nextItems()))
  return found
}

async function loadE2b(): Promise<{ Sandbox: typeof Sandbox }> {
  try {
    const { Sandbox } = await import('e2b')
    return { Sandbox }
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND'
    const message = missing
      ? "The E2B provider needs the 'e2b' package, which is not installed: npm install e2b"
      : `The 'e2b' package failed to load: ${describe(error)}`
    throw new ClaudeAgentClientError('PROVIDER_FAILED', message, { cause: error })
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
