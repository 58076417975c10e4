// ClaudeAgentClient: the original client API (start/send/onMessage/stop, writeFile/readFile/
// watchDir, ...) on top of a provider (where the server runs: a URL, a local process, an E2B
// sandbox) and a SessionConnection, which reconnects, replays, pairs prompts with results and
// answers permission requests. It adds prompt() and, as capability objects shared with attached
// sessions, `files`, `commands`, `control` and `sessions`; the flat names are aliases of them.
import type {
  ClientFrame,
  ConnectedFrame,
  GetConfigResponse,
  PostConfigResponse,
  QueryConfig,
  SdkResultMessage,
} from '@claude-agent/protocol'
import { deadlineSignal, raceAbort } from './abort.js'
import { TurnActivity } from './activity.js'
import { FlatAliases } from './aliases.js'
import { createControl, type Control } from './control/control.js'
import { createDebugLog, type DebugLog } from './debug.js'
import { ClaudeAgentClientError } from './errors.js'
import { Commands } from './exec/commands.js'
import { Files, type WorkspaceTarget } from './files/files.js'
import { fetchConfig, postConfig } from './http/config.js'
import { pickQueryConfig, validateOptions, type ClaudeAgentClientOptions } from './options.js'
import type { SandboxInfo, SandboxProvider } from './providers/provider.js'
import { selectProvider } from './providers/select.js'
import { resolveReconnect } from './session/backoff.js'
import { SessionConnection } from './session/connection.js'
import { startFailure } from './session/failures.js'
import { Hub, type ConnectionState } from './session/hub.js'
import type { PromptInput, PromptOptions } from './session/prompt.js'
import { SessionsApi } from './sessions-api.js'
import { TokensApi } from './tokens-api.js'
import { ServerAddress } from './server-address.js'
import { deriveServerUrls } from './urls.js'

/**
 * A client for claude-agent-server.
 *
 * @example
 * const client = new ClaudeAgentClient({ connectionUrl: 'http://localhost:3000' })
 * client.onMessage((frame) => {
 *   if (frame.type === 'sdk_message') console.log(frame.data)
 * })
 * client.onPermissionRequest((request) => (request.toolName === 'Read' ? 'allow' : { behavior: 'deny', message: 'Not now' }))
 * await client.start()
 * const result = await client.prompt('Hello, Claude!')
 * console.log(result.is_error ? 'failed' : result.result)
 * await client.files.write('notes.txt', 'hi')
 * await client.stop()
 */
export class ClaudeAgentClient extends FlatAliases {
  /** The server's sessions: create, list, get, delete, history, attach. Needs `connectionUrl` (or a started client). */
  readonly sessions: SessionsApi
  /** The server's run-time tokens (admins): create, list, revoke. Needs `connectionUrl` (or a started client). */
  readonly tokens: TokensApi
  /** The workspace (as E2B's `sandbox.files`). Needs `connectionUrl` or a started client. */
  readonly files = new Files((method) => this.workspaceTarget(method))
  /** Commands in the client's session (as E2B's `sandbox.commands`). */
  readonly commands = new Commands((method) => this.workspaceTarget(method))
  /** Live control of the client's session; `client.control(request)` sends any control request. */
  readonly control: Control = createControl((request, options) => this.requireSession('control').control(request, options))
  private readonly options: ClaudeAgentClientOptions
  private readonly address: ServerAddress
  /** Values the debug log never prints (tokens, keys), including ones a provider makes up later. */
  private readonly secrets = new Set<string>()
  private readonly log: DebugLog
  protected readonly hub: Hub
  private readonly activity = new TurnActivity(() => this.provider)
  private starting = false
  private provider?: SandboxProvider
  private session?: SessionConnection
  /** Set while paused: the seq to replay after on resume(). */
  private pausedAt?: { after: number | undefined }
  private startAbort?: AbortController
  private stopping?: Promise<void>

  /** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for a malformed `connectionUrl` or options that conflict. */
  constructor(options: ClaudeAgentClientOptions = {}) {
    super()
    this.options = { ...options }
    for (const secret of [options.token, options.authToken, options.anthropicApiKey, options.e2bApiKey])
      if (secret) this.secrets.add(secret)
    this.log = createDebugLog(options.debug ?? false, this.secrets)
    this.address = new ServerAddress(this.options, this.secrets)
    this.hub = new Hub(this.log)
    this.hub.onMessage((frame) => this.activity.observe(frame))
    if (options.connectionUrl !== undefined) deriveServerUrls(options.connectionUrl)
    validateOptions(options)
    this.sessions = new SessionsApi({
      baseUrl: () => this.address.requireBaseUrl('sessions'),
      token: () => this.address.token,
      log: this.log,
      reconnect: options.reconnect,
      connectTimeoutMs: this.address.connectTimeoutMs,
      label: options.label,
      partial: options.partial === true,
    })
    this.tokens = new TokensApi(() => this.sessions.http())
  }

  /** The server's `connected` frame (session id, demo flag, lastSeq) while connected. */
  get connection(): ConnectedFrame | undefined {
    return this.session?.connection
  }

  get isConnected(): boolean {
    return this.session?.isConnected ?? false
  }

  /** `connecting`, `connected`, `reconnecting` or `closed` (also before start() and while paused). */
  get connectionState(): ConnectionState {
    return this.starting ? 'connecting' : (this.session?.connectionState ?? 'closed')
  }

  /** The seq of the last session event delivered to onMessage (the next reconnect replays after it). */
  get lastSeq(): number | undefined {
    return this.session?.lastSeq ?? this.pausedAt?.after
  }

  /** Where the server runs once started: `{ provider, id, ... }` (the E2B sandbox id, `local-<pid>`). */
  get sandbox(): SandboxInfo | undefined {
    return this.provider?.info()
  }

  /** True between pause() and resume(). */
  get isPaused(): boolean {
    return this.pausedAt !== undefined
  }

  /**
   * Reach the server (provider: a URL, a local process, an E2B sandbox), POST the query config
   * when any option sets it, open the WebSocket and resolve on the server's `connected` frame.
   * No retry here: reconnecting starts once connected. Rejects `NO_PROVIDER`, `PROVIDER_FAILED`,
   * `CONFIG_REJECTED`, `CONNECTION_FAILED` (`wireError.code` `UNAUTHORIZED` for a missing or wrong
   * token), `ALREADY_STARTED` or `CLIENT_STOPPED`. After a failure the client can be started again.
   */
  async start(): Promise<void> {
    if (this.stopping) await this.stopping
    if (this.pausedAt) throw new ClaudeAgentClientError('ALREADY_STARTED', 'The client is paused; call resume() (or stop() first)')
    if (this.starting || (this.session && this.session.connectionState !== 'closed')) {
      throw new ClaudeAgentClientError('ALREADY_STARTED', 'start() was already called; call stop() first')
    }
    this.starting = true
    const abort = new AbortController()
    this.startAbort = abort
    try {
      await this.release() // what a dropped connection left behind
      const provider = await selectProvider(this.options, this.log)
      this.provider = provider
      this.address.use(await raceAbort(provider.start(abort.signal), abort.signal))
      // The deadline starts after the provider: creating a sandbox has a timeout of its own.
      const deadline = deadlineSignal(this.address.connectTimeoutMs, abort.signal)
      // A provider that starts the server gave it the credential in its environment, never /config.
      const config = pickQueryConfig(this.options, !provider.passesCredential)
      if (config)
        await postConfig(this.address.configUrl('start', !!this.stopping), config, {
          log: this.log,
          token: this.address.token,
          signal: deadline,
        })
      await this.connect(this.options.after, deadline)
    } catch (error) {
      const failure = startFailure(error, this.address.connectTimeoutMs)
      // When stop() superseded this start, stop() owns the cleanup.
      if (this.startAbort === abort) await this.release()
      throw failure
    } finally {
      if (this.startAbort === abort) {
        this.startAbort = undefined
        this.starting = false
      }
    }
  }

  /** Send a frame as is (the original API). @throws `NOT_CONNECTED` unless connected (also while reconnecting). */
  send(frame: ClientFrame): void {
    this.requireSession('send').send(frame)
    if (frame.type === 'user_message') this.activity.promptSent()
  }

  /**
   * Send a prompt (with its own uuid) and resolve with the `result` message of its turn, also
   * when `result.is_error` is true (e.g. interrupted): check it. Survives reconnects. Rejects
   * `NOT_CONNECTED`, `INVALID_ARGUMENT`, `AGENT_FAILED`, `TURN_INTERRUPTED`, `PROMPT_REFUSED`,
   * `CONNECTION_CLOSED`, `CLIENT_STOPPED`, or `signal.reason` when aborted.
   */
  async prompt(input: PromptInput, options: PromptOptions = {}): Promise<SdkResultMessage> {
    const turn = this.requireSession('prompt').prompt(input, options)
    this.activity.promptSent()
    return turn
  }

  /** Interrupt the running turn; it ends with an error result. @throws `NOT_CONNECTED`. */
  interrupt(): void {
    this.requireSession('interrupt').interrupt()
  }

  /** GET the server's config (secrets redacted). Rejects `NOT_CONNECTED`, `REQUEST_FAILED`, `CONNECTION_FAILED`. */
  async getConfig(): Promise<GetConfigResponse> {
    return fetchConfig(this.address.configUrl('getConfig', !!this.stopping), { log: this.log, token: this.address.token })
  }

  /** POST a query config (the default session's). Rejects `NOT_CONNECTED`, `CONFIG_REJECTED` (with `issues`), `CONNECTION_FAILED`. */
  async setConfig(config: QueryConfig): Promise<PostConfigResponse> {
    return postConfig(this.address.configUrl('setConfig', !!this.stopping), config, { log: this.log, token: this.address.token })
  }

  /**
   * Pause the sandbox, keeping its state (E2B: a memory snapshot; the server and its sessions
   * resume where they were). The connection is closed first: pending prompts reject with
   * `CLIENT_STOPPED` and messages() loops end. stop() after pause() keeps the paused sandbox
   * (reconnect later with `sandboxId: client.sandbox.id`). Rejects `NOT_SUPPORTED` for providers
   * without pausing (url, local), `NOT_CONNECTED` before start().
   */
  async pause(): Promise<void> {
    const provider = this.provider
    if (!provider?.pause || !provider.resume) {
      throw new ClaudeAgentClientError('NOT_SUPPORTED', `The ${provider?.name ?? 'current'} provider cannot pause; only E2B sandboxes can`)
    }
    const session = this.requireSession('pause')
    this.pausedAt = { after: session.lastSeq }
    this.session = undefined
    await session.close()
    this.activity.reset()
    try {
      await provider.pause()
    } catch (error) {
      this.pausedAt = undefined
      throw error
    }
  }

  /** Resume after pause(): wake the sandbox, reconnect, and replay the events missed meanwhile. */
  async resume(): Promise<void> {
    const { provider, pausedAt } = this
    if (!pausedAt || !provider?.resume)
      throw new ClaudeAgentClientError('NOT_CONNECTED', 'resume() needs a paused client; call pause() first')
    const deadline = deadlineSignal(this.address.connectTimeoutMs)
    this.address.use(await provider.resume())
    try {
      await this.connect(pausedAt.after, deadline)
    } catch (error) {
      // Still paused as far as the caller is concerned: resume() may be called again.
      await this.session?.close()
      this.session = undefined
      throw startFailure(error, this.address.connectTimeoutMs)
    }
    this.pausedAt = undefined
  }

  /**
   * Close the connection, the sessions attached through `client.sessions` and the provider (a
   * local server is stopped, an E2B sandbox killed unless paused); pending start()/prompt()
   * reject with `CLIENT_STOPPED`, messages() loops end. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown().finally(() => (this.stopping = undefined))
    return this.stopping
  }

  /** Files and commands: the server's URL (before start() only with `connectionUrl`) and the client's session. */
  private workspaceTarget(method: string): WorkspaceTarget {
    const sessionId = this.options.sessionId ?? this.session?.sessionId ?? 'default'
    return this.address.workspaceTarget(method, sessionId, this.log, (error) => this.hub.emitError(error))
  }

  private async connect(after: number | undefined, signal: AbortSignal): Promise<void> {
    const token = this.address.token
    this.session = new SessionConnection({
      baseUrl: this.address.started!,
      ...(token !== undefined && { token }),
      ...(this.options.label !== undefined && { label: this.options.label }),
      ...(this.options.partial === true && { partial: true }),
      ...(this.provider?.gone && { gone: () => this.provider!.gone!() }),
      sessionId: this.options.sessionId,
      after,
      reconnect: resolveReconnect(this.options.reconnect),
      connectTimeoutMs: this.address.connectTimeoutMs,
      log: this.log,
      hub: this.hub,
    })
    await this.session.open(signal)
  }

  private requireSession(method: string): SessionConnection {
    if (this.session && !this.starting) return this.session
    const why = this.starting
      ? 'start() has not finished'
      : this.pausedAt
        ? 'the client is paused (call resume())'
        : 'the client is not started'
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): ${why}; call start() first and await it`)
  }

  private async shutdown(): Promise<void> {
    const stopped = new ClaudeAgentClientError('CLIENT_STOPPED', 'The client was stopped')
    this.startAbort?.abort(stopped)
    this.startAbort = undefined
    this.starting = false
    await Promise.all([this.release(), this.sessions.closeAll()])
    this.hub.endStreams()
  }

  /** Close the connection and the provider, whatever state they are in. Never throws. */
  private async release(): Promise<void> {
    const { session, provider } = this
    this.session = undefined
    this.provider = undefined
    this.address.use(undefined)
    this.pausedAt = undefined
    await session?.close()
    this.activity.reset()
    await provider?.stop().catch((error: unknown) => this.log(`stopping the provider failed: ${String(error)}`))
  }
}
