// ClaudeAgentClient: the original client API (start/send/onMessage/stop) on top of a
// SessionConnection, which reconnects, replays and pairs prompts with results. It adds prompt(),
// connection state, async iteration and the session API (`client.sessions`).
import type { ClientFrame, ConnectedFrame, QueryConfig, SdkResultMessage, ServerFrame } from '@claude-agent/protocol'
import { isTimeoutReason, raceAbort } from './abort.js'
import { createDebugLog, type DebugLog } from './debug.js'
import { ClaudeAgentClientError } from './errors.js'
import { fetchConfig, postConfig, type ConfigResponse } from './http/config.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, pickQueryConfig, validateOptions, type ClaudeAgentClientOptions } from './options.js'
import type { SandboxProvider } from './providers/provider.js'
import { selectProvider } from './providers/select.js'
import { resolveReconnect } from './session/backoff.js'
import { SessionConnection } from './session/connection.js'
import { Hub, type ConnectionChangeHandler, type ConnectionState, type ErrorHandler, type MessageHandler } from './session/hub.js'
import type { MessagesOptions } from './session/message-stream.js'
import type { PromptInput, PromptOptions } from './session/prompt.js'
import { SessionsApi } from './sessions-api.js'
import { deriveServerUrls } from './urls.js'

/**
 * A client for claude-agent-server.
 *
 * @example
 * const client = new ClaudeAgentClient({ connectionUrl: 'http://localhost:3000' })
 * client.onMessage((frame) => {
 *   if (frame.type === 'sdk_message') console.log(frame.data)
 * })
 * await client.start()
 * const result = await client.prompt('Hello, Claude!')
 * console.log(result.is_error ? 'failed' : result.result)
 * await client.stop()
 */
export class ClaudeAgentClient {
  /** The server's sessions: create, list, get, delete, history, attach. Needs `connectionUrl` (or a started client). */
  readonly sessions: SessionsApi
  private readonly options: ClaudeAgentClientOptions
  private readonly log: DebugLog
  private readonly hub: Hub
  private starting = false
  private provider?: SandboxProvider
  private baseUrl?: string
  private session?: SessionConnection
  private startAbort?: AbortController
  private stopping?: Promise<void>

  /** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for a malformed `connectionUrl` or options that conflict. */
  constructor(options: ClaudeAgentClientOptions = {}) {
    this.options = { ...options }
    this.log = createDebugLog(options.debug ?? false)
    this.hub = new Hub(this.log)
    if (options.connectionUrl !== undefined) deriveServerUrls(options.connectionUrl)
    validateOptions(options)
    this.sessions = new SessionsApi({
      baseUrl: () => this.requireBaseUrl('sessions'),
      log: this.log,
      reconnect: options.reconnect,
      connectTimeoutMs: this.connectTimeoutMs,
    })
  }

  /** The server's `connected` frame (session id, demo flag, lastSeq) while connected. */
  get connection(): ConnectedFrame | undefined {
    return this.session?.connection
  }

  get isConnected(): boolean {
    return this.session?.isConnected ?? false
  }

  /** `connecting`, `connected`, `reconnecting` or `closed` (also before start()). */
  get connectionState(): ConnectionState {
    return this.starting ? 'connecting' : (this.session?.connectionState ?? 'closed')
  }

  /** The seq of the last session event delivered to onMessage (the next reconnect replays after it). */
  get lastSeq(): number | undefined {
    return this.session?.lastSeq
  }

  /**
   * Reach the server (provider), POST the query config when any option sets it, open the
   * WebSocket and resolve on the server's `connected` frame. No retry here: reconnecting starts
   * once connected. Rejects `NO_PROVIDER`, `CONFIG_REJECTED`, `CONNECTION_FAILED`,
   * `ALREADY_STARTED` or `CLIENT_STOPPED`. After a failure the client can be started again.
   */
  async start(): Promise<void> {
    if (this.stopping) await this.stopping
    if (this.starting || (this.session && this.session.connectionState !== 'closed')) {
      throw new ClaudeAgentClientError('ALREADY_STARTED', 'start() was already called; call stop() first')
    }
    this.starting = true
    const abort = new AbortController()
    this.startAbort = abort
    try {
      await this.release() // what a dropped connection left behind
      const provider = selectProvider(this.options)
      this.provider = provider
      const { baseUrl } = await raceAbort(provider.start(), abort.signal)
      this.baseUrl = baseUrl
      // The deadline starts after the provider: creating a sandbox has a timeout of its own.
      const deadline = AbortSignal.any([abort.signal, AbortSignal.timeout(this.connectTimeoutMs)])
      const config = pickQueryConfig(this.options)
      if (config) await postConfig(deriveServerUrls(baseUrl).configUrl, config, { log: this.log, signal: deadline })
      this.session = this.newSession(baseUrl)
      await this.session.open(deadline)
    } catch (error) {
      const failure = this.startFailure(error)
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
  }

  /**
   * Send a prompt (with its own uuid) and resolve with the `result` message of its turn, also
   * when `result.is_error` is true (e.g. interrupted): check it. Survives reconnects. Rejects
   * `NOT_CONNECTED`, `INVALID_ARGUMENT`, `AGENT_FAILED`, `TURN_INTERRUPTED`, `PROMPT_LOST`,
   * `CONNECTION_CLOSED`, `CLIENT_STOPPED`, or `signal.reason` when aborted.
   */
  async prompt(input: PromptInput, options: PromptOptions = {}): Promise<SdkResultMessage> {
    return this.requireSession('prompt').prompt(input, options)
  }

  /** Interrupt the running turn; it ends with an error result. @throws `NOT_CONNECTED`. */
  interrupt(): void {
    this.requireSession('interrupt').interrupt()
  }

  /** Every server frame, typed and validated; session events once each, in order. Returns the unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    return this.hub.onMessage(handler)
  }

  /**
   * Errors that belong to no call: `CONNECTION_CLOSED` (the connection was lost for good),
   * `INVALID_SERVER_FRAME`, `HANDLER_FAILED` (an onMessage handler threw). Returns the unsubscribe.
   */
  onError(handler: ErrorHandler): () => void {
    return this.hub.onError(handler)
  }

  /** Connection state changes: connecting, connected, reconnecting (with attempt and delay), closed. */
  onConnectionChange(handler: ConnectionChangeHandler): () => void {
    return this.hub.onConnectionChange(handler)
  }

  /** `for await (const frame of client.messages())`: the frames from now on, until stop() or the connection is lost for good. */
  messages(options?: MessagesOptions): AsyncIterableIterator<ServerFrame> {
    return this.hub.stream(options)
  }

  /** GET the server's config (secrets redacted). Rejects `NOT_CONNECTED`, `REQUEST_FAILED`, `CONNECTION_FAILED`. */
  async getConfig(): Promise<ConfigResponse> {
    return fetchConfig(this.configUrl('getConfig'), { log: this.log })
  }

  /** POST a query config (the default session's). Rejects `NOT_CONNECTED`, `CONFIG_REJECTED` (with `issues`), `CONNECTION_FAILED`. */
  async setConfig(config: QueryConfig): Promise<ConfigResponse> {
    return postConfig(this.configUrl('setConfig'), config, { log: this.log })
  }

  /**
   * Close the connection, the sessions attached through `client.sessions` and the provider;
   * pending start()/prompt() reject with `CLIENT_STOPPED`, messages() loops end. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown().finally(() => (this.stopping = undefined))
    return this.stopping
  }

  private get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  }

  private newSession(baseUrl: string): SessionConnection {
    return new SessionConnection({
      baseUrl,
      sessionId: this.options.sessionId,
      after: this.options.after,
      reconnect: resolveReconnect(this.options.reconnect),
      connectTimeoutMs: this.connectTimeoutMs,
      log: this.log,
      hub: this.hub,
    })
  }

  private startFailure(error: unknown): ClaudeAgentClientError {
    if (error instanceof ClaudeAgentClientError) return error
    if (isTimeoutReason(error)) {
      return new ClaudeAgentClientError('CONNECTION_FAILED', `The server did not get ready within ${this.connectTimeoutMs} ms`)
    }
    const reason = error instanceof Error ? error.message : String(error)
    return new ClaudeAgentClientError('CONNECTION_FAILED', `Could not connect: ${reason}`, { cause: error })
  }

  private requireSession(method: string): SessionConnection {
    if (this.session && !this.starting) return this.session
    const why = this.starting ? 'start() has not finished' : 'the client is not started'
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): ${why}; call start() first and await it`)
  }

  private configUrl(method: string): string {
    if (this.baseUrl !== undefined && !this.stopping) return deriveServerUrls(this.baseUrl).configUrl
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): the client is not started; call start() first`)
  }

  private requireBaseUrl(what: string): string {
    const baseUrl = this.options.connectionUrl ?? this.baseUrl
    if (baseUrl !== undefined) return baseUrl
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot use ${what}: no connectionUrl, and the client is not started`)
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
    this.baseUrl = undefined
    await session?.close()
    await provider?.stop().catch((error: unknown) => this.log(`stopping the provider failed: ${String(error)}`))
  }
}
