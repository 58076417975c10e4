// ClaudeAgentClient: connects to a claude-agent-server, relays frames both ways, and pairs each
// prompt with the `result` that ends its turn.
import type {
  ClientFrame,
  ConnectedFrame,
  QueryConfig,
  SdkResultMessage,
  ServerFrame,
  UserMessage,
  UserMessageFrame,
} from '@claude-agent/protocol'
import { ClientFrameSchema, FRAME, describeIssues, parseServerFrame, summarizeIssues } from '@claude-agent/protocol'
import { isTimeoutReason, raceAbort } from './abort.js'
import { createDebugLog, type DebugLog } from './debug.js'
import { ClaudeAgentClientError } from './errors.js'
import { fetchConfig, postConfig, type ConfigResponse } from './http/config.js'
import { Listeners } from './listeners.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, pickQueryConfig, type ClaudeAgentClientOptions } from './options.js'
import type { SandboxProvider } from './providers/provider.js'
import { selectProvider } from './providers/select.js'
import type { Transport, TransportCloseEvent } from './transport/transport.js'
import { WebSocketTransport } from './transport/websocket.js'
import { TurnTracker } from './turns.js'
import { deriveServerUrls, loggableUrl, type ServerUrls } from './urls.js'

/** What a prompt may contain: a string or content blocks (text, image, ...), as the SDK takes. */
export type PromptInput = UserMessage['message']['content']

export interface PromptOptions {
  /** Aborting rejects with `signal.reason`, and interrupts the turn if it was sent already. */
  signal?: AbortSignal
}

export type MessageHandler = (frame: ServerFrame) => void
export type ErrorHandler = (error: ClaudeAgentClientError) => void

type State = 'idle' | 'starting' | 'connected' | 'closed' | 'stopping'

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
  private readonly options: ClaudeAgentClientOptions
  private readonly log: DebugLog
  private readonly messageHandlers = new Listeners<ServerFrame>()
  private readonly errorHandlers = new Listeners<ClaudeAgentClientError>()
  private readonly turns = new TurnTracker((frame) => this.transmit(frame))
  private state: State = 'idle'
  private provider?: SandboxProvider
  private transport?: Transport
  private urls?: ServerUrls
  private connectedFrame?: ConnectedFrame
  private startAbort?: AbortController
  private connectWaiter?: { resolve(frame: ConnectedFrame): void; reject(error: Error): void }
  private stopping?: Promise<void>

  /** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for a malformed `connectionUrl`. */
  constructor(options: ClaudeAgentClientOptions = {}) {
    this.options = { ...options }
    this.log = createDebugLog(options.debug ?? false)
    if (options.connectionUrl !== undefined) deriveServerUrls(options.connectionUrl)
  }

  /** The server's `connected` frame (session id, demo flag) while connected. */
  get connection(): ConnectedFrame | undefined {
    return this.connectedFrame
  }

  get isConnected(): boolean {
    return this.state === 'connected'
  }

  /**
   * Reach the server (provider), POST the query config when any option sets it, open the
   * WebSocket and resolve on the server's `connected` frame.
   * Rejects with `NO_PROVIDER`, `CONFIG_REJECTED`, `CONNECTION_FAILED`, `ALREADY_STARTED` or
   * `CLIENT_STOPPED`. After a failure the client can be started again.
   */
  async start(): Promise<void> {
    if (this.stopping) await this.stopping
    if (this.state === 'starting' || this.state === 'connected') {
      throw new ClaudeAgentClientError('ALREADY_STARTED', 'start() was already called; call stop() first')
    }
    if (this.state === 'closed') await this.release() // the previous connection dropped
    this.state = 'starting'
    const abort = new AbortController()
    this.startAbort = abort
    try {
      await this.connect(abort.signal) // the `connected` frame sets state = 'connected'
      if (abort.signal.aborted) throw abort.signal.reason
      if (!this.isConnected) throw new Error('the server closed the connection right after accepting it')
    } catch (error) {
      const failure = this.startFailure(error) // before release(), which forgets the URLs
      // When stop() superseded this start, stop() owns the cleanup.
      if (this.startAbort === abort) {
        await this.release()
        this.state = 'idle'
      }
      throw failure
    } finally {
      if (this.startAbort === abort) this.startAbort = undefined
    }
  }

  /**
   * Send a frame now, as is (the original API). A user_message counts as a turn, so prompt()
   * pairing stays right. @throws ClaudeAgentClientError `NOT_CONNECTED` before start() or after stop().
   */
  send(frame: ClientFrame): void {
    this.transmit(frame)
    // Only a frame the server accepts starts a turn; an invalid one gets INVALID_FRAME instead.
    if (frame.type === FRAME.userMessage && ClientFrameSchema.safeParse(frame).success) {
      this.turns.noteSent()
    }
  }

  /**
   * Send a prompt and resolve with the `result` message that ends its turn, also when
   * `result.is_error` is true (e.g. interrupted): check it. Prompts run one at a time: one made
   * while a turn is in flight is held here and sent when that turn's result arrives.
   * Rejects with `NOT_CONNECTED`, `INVALID_ARGUMENT`, `AGENT_FAILED` (agent died; `wireError`
   * says why), `CONNECTION_CLOSED`, `CLIENT_STOPPED`, or `signal.reason` when aborted.
   */
  async prompt(input: PromptInput, options: PromptOptions = {}): Promise<SdkResultMessage> {
    const { signal } = options
    this.requireConnected('prompt')
    signal?.throwIfAborted()
    const frame: UserMessageFrame = {
      type: FRAME.userMessage,
      data: { type: 'user', parent_tool_use_id: null, message: { role: 'user', content: input } },
    }
    const checked = ClientFrameSchema.safeParse(frame)
    if (!checked.success) {
      const issues = summarizeIssues(describeIssues(checked.error))
      throw new ClaudeAgentClientError('INVALID_ARGUMENT', `Invalid prompt: ${issues}`)
    }
    return this.turns.run(frame, signal)
  }

  /** Interrupt the running turn; it ends with an error result. @throws `NOT_CONNECTED`. */
  interrupt(): void {
    this.transmit({ type: FRAME.interrupt })
  }

  /** Receive every server frame, typed and validated. Returns the unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    return this.messageHandlers.add(handler)
  }

  /**
   * Receive errors that belong to no call: `CONNECTION_CLOSED` (socket dropped),
   * `INVALID_SERVER_FRAME`, `HANDLER_FAILED` (an onMessage handler threw). Returns the unsubscribe.
   */
  onError(handler: ErrorHandler): () => void {
    return this.errorHandlers.add(handler)
  }

  /** GET the server's config (secrets redacted). Rejects `NOT_CONNECTED`, `REQUEST_FAILED`, `CONNECTION_FAILED`. */
  async getConfig(): Promise<ConfigResponse> {
    return fetchConfig(this.requireUrls('getConfig').configUrl, { log: this.log })
  }

  /**
   * POST a query config; the server decides when it takes effect (see the server's docs).
   * Rejects `NOT_CONNECTED`, `CONFIG_REJECTED` (with `issues`), `CONNECTION_FAILED`.
   */
  async setConfig(config: QueryConfig): Promise<ConfigResponse> {
    return postConfig(this.requireUrls('setConfig').configUrl, config, { log: this.log })
  }

  /** Close the socket and the provider; pending start()/prompt() reject with `CLIENT_STOPPED`. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping
    if (this.state === 'idle') return Promise.resolve()
    this.stopping = this.shutdown().finally(() => (this.stopping = undefined))
    return this.stopping
  }

  // ---- connecting ----

  private async connect(stopSignal: AbortSignal): Promise<void> {
    const provider = selectProvider(this.options)
    this.provider = provider
    const { baseUrl } = await raceAbort(provider.start(), stopSignal)
    const urls = deriveServerUrls(baseUrl)
    this.urls = urls
    // The deadline starts after the provider: creating a sandbox has a timeout of its own.
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    const deadline = AbortSignal.any([stopSignal, AbortSignal.timeout(timeoutMs)])
    const config = pickQueryConfig(this.options)
    if (config) await postConfig(urls.configUrl, config, { log: this.log, signal: deadline })
    await this.openSocket(urls.wsUrl, deadline)
  }

  private async openSocket(wsUrl: string, deadline: AbortSignal): Promise<void> {
    const transport = new WebSocketTransport({ url: wsUrl })
    this.transport = transport
    const connected = new Promise<ConnectedFrame>((resolve, reject) => {
      this.connectWaiter = { resolve, reject }
    })
    connected.catch(() => {}) // may settle while transport.start() is still pending
    // Events of a transport that has been replaced (after a restart) are ignored.
    transport.onmessage = (text) => this.transport === transport && this.handleText(text)
    transport.onclose = (event) => this.transport === transport && this.handleClose(event)
    transport.onerror = (error) => this.log(`socket error: ${error.message}`)
    this.log(`connecting to ${loggableUrl(wsUrl)}`)
    try {
      await raceAbort(transport.start(), deadline)
      await raceAbort(connected, deadline)
    } finally {
      this.connectWaiter = undefined
    }
  }

  private startFailure(error: unknown): ClaudeAgentClientError {
    if (error instanceof ClaudeAgentClientError) return error
    if (isTimeoutReason(error)) {
      const ms = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
      return new ClaudeAgentClientError('CONNECTION_FAILED', `The server did not get ready within ${ms} ms`)
    }
    const reason = error instanceof Error ? error.message : String(error)
    const where = this.urls ? ` to ${loggableUrl(this.urls.wsUrl)}` : ''
    return new ClaudeAgentClientError('CONNECTION_FAILED', `Could not connect${where}: ${reason}`, { cause: error })
  }

  // ---- frames ----

  private transmit(frame: ClientFrame): void {
    const transport = this.requireConnected(frame.type === FRAME.interrupt ? 'interrupt' : 'send')
    try {
      transport.send(JSON.stringify(frame))
    } catch (error) {
      throw new ClaudeAgentClientError('CONNECTION_CLOSED', 'The connection to the server is closing', { cause: error })
    }
    this.log('→', frame)
  }

  private handleText(text: string): void {
    const parsed = parseServerFrame(text)
    if (!parsed.ok) {
      this.log(`← unreadable frame (${parsed.error.code}): ${parsed.error.error}`)
      const message = `The server sent a frame the client cannot read: ${parsed.error.error}`
      this.emitError(new ClaudeAgentClientError('INVALID_SERVER_FRAME', message, { wireError: parsed.error }))
      return
    }
    const frame = parsed.value
    this.log('←', frame)
    this.track(frame)
    this.messageHandlers.emit(frame, (error) => {
      const message = `An onMessage handler threw: ${error instanceof Error ? error.message : String(error)}`
      this.emitError(new ClaudeAgentClientError('HANDLER_FAILED', message, { cause: error }))
    })
  }

  /** Connection and turn bookkeeping; runs before user handlers so they see a consistent state. */
  private track(frame: ServerFrame): void {
    const waiter = this.connectWaiter
    if (!waiter) return this.turns.observe(frame)
    if (frame.type === FRAME.connected) {
      this.connectedFrame = frame
      this.state = 'connected' // so a handler of this very frame may already send
      this.connectWaiter = undefined
      waiter.resolve(frame)
    } else if (frame.type === FRAME.error) {
      // e.g. the server refusing a second client: the connection never became usable.
      const { error, code, data } = frame
      const wireError = { error, code, ...(data !== undefined && { data }) }
      waiter.reject(new ClaudeAgentClientError('CONNECTION_FAILED', `The server refused the connection: ${error}`, { wireError }))
    }
  }

  private handleClose(event: TransportCloseEvent): void {
    const detail = `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`
    this.log(`socket closed (${detail})`)
    if (this.connectWaiter) {
      const message = `The server closed the connection before it was ready (${detail})`
      this.connectWaiter.reject(new ClaudeAgentClientError('CONNECTION_FAILED', message))
      return
    }
    if (this.state !== 'connected') return // our own stop()
    this.state = 'closed'
    this.connectedFrame = undefined
    const error = new ClaudeAgentClientError('CONNECTION_CLOSED', `The connection to the server closed (${detail})`)
    this.turns.failAll(error)
    this.emitError(error)
  }

  private emitError(error: ClaudeAgentClientError): void {
    this.log(`error ${error.code}: ${error.message}`)
    if (this.errorHandlers.size === 0) {
      // A throwing handler is a bug in the caller's code: never swallow it silently.
      if (error.code === 'HANDLER_FAILED') console.error('[claude-agent]', error.message, error.cause)
      return
    }
    this.errorHandlers.emit(error, (thrown) => console.error('[claude-agent] an onError handler threw:', thrown))
  }

  // ---- lifecycle ----

  private requireConnected(method: string): Transport {
    if (this.state === 'connected' && this.transport) return this.transport
    const why =
      this.state === 'closed'
        ? 'the connection to the server closed'
        : this.state === 'starting'
          ? 'start() has not finished'
          : 'the client is not started'
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): ${why}; call start() first and await it`)
  }

  private requireUrls(method: string): ServerUrls {
    if (this.urls && this.state !== 'stopping') return this.urls
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): the client is not started; call start() first`)
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopping'
    const stopped = new ClaudeAgentClientError('CLIENT_STOPPED', 'The client was stopped')
    this.startAbort?.abort(stopped)
    this.startAbort = undefined
    this.connectWaiter?.reject(stopped)
    this.turns.failAll(stopped)
    await this.release()
    this.state = 'idle'
  }

  /** Close the transport and the provider, whatever state they are in. Never throws. */
  private async release(): Promise<void> {
    const { transport, provider } = this
    this.transport = undefined
    this.provider = undefined
    this.urls = undefined
    this.connectedFrame = undefined
    await transport?.close().catch((error: unknown) => this.log(`closing the socket failed: ${String(error)}`))
    await provider?.stop().catch((error: unknown) => this.log(`stopping the provider failed: ${String(error)}`))
  }
}
