// One session's WebSocket, kept alive: connects (replaying from a cursor when asked), reconnects
// with backoff after a drop, replaying from the last event it delivered, so handlers see every
// session event once and in order (deduplicated by seq), and pairs prompts with their results.
import type { ClientFrame, ConnectedFrame, SdkResultMessage, ServerFrame, WireError } from '@claude-agent/protocol'
import { FRAME, frameSeq } from '@claude-agent/protocol'
import { FlatAliases } from '../aliases.js'
import { ControlChannel } from '../control/channel.js'
import { createControl, type Control } from '../control/control.js'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import { Commands } from '../exec/commands.js'
import { Files, type WorkspaceTarget } from '../files/files.js'
import type { Transport, TransportCloseEvent } from '../transport/transport.js'
import { sessionWsEndpoint } from '../urls.js'
import type { ResolvedReconnectOptions } from './backoff.js'
import { closeFailures, connectFailure, notConnected, toWireError } from './failures.js'
import type { ConnectionState, Hub } from './hub.js'
import type { MessagesOptions } from './message-stream.js'
import { PermissionDesk } from './permissions.js'
import { promptFrame, type PromptInput, type PromptOptions } from './prompt.js'
import { reconnect, STABLE_CONNECTION_MS } from './reconnect.js'
import { ReplayPosition } from './replay-position.js'
import { SessionSocket } from './socket.js'
import { TurnTracker, type SentMark, type TooLarge } from './turns.js'
import { utf8Length } from './utf8-length.js'

export interface SessionConnectionInit {
  /** The server's base URL (`connectionUrl`). */
  baseUrl: string
  /** undefined: the default session, over `/ws`. */
  sessionId: string | undefined
  /** First connection: replay events after this seq; undefined: live events only. */
  after: number | undefined
  reconnect: ResolvedReconnectOptions
  connectTimeoutMs: number
  /** Bearer token for every request and upgrade; never logged. */
  token?: string
  /** Who this client is (`?label=`), recorded when it answers a permission request. */
  label?: string
  /** Ask for partial messages (`?partial=1`): text and tool input as the model streams them. */
  partial?: boolean
  /** Why the server can never come back (the provider's `gone`), asked while reconnecting fails. */
  gone?: () => Promise<string | undefined>
  log: DebugLog
  hub: Hub
  createTransport?: (url: string) => Transport
}

type Phase = 'idle' | ConnectionState

/**
 * A live connection to one session; `client.sessions.attach()` returns one, and
 * ClaudeAgentClient drives one per start().
 *
 * @example
 * const session = await client.sessions.attach('build-42', { after: 0 })
 * session.onMessage((frame) => console.log(frame.type))
 * const result = await session.prompt('Run the tests')
 * await session.close()
 */
export class SessionConnection extends FlatAliases {
  /** The workspace of this connection's server. */
  readonly files = new Files(() => this.workspaceTarget())
  /** Commands in this session. */
  readonly commands = new Commands(() => this.workspaceTarget())
  /** Live control of this session, on this connection; `session.control(request)` sends any control request. */
  readonly control: Control = createControl((request, options) =>
    this.phase === 'connected' && this.socket
      ? this.controls.request(request, options)
      : Promise.reject(notConnected('control', this.phase)),
  )
  private readonly turns = new TurnTracker({ trySend: (frame) => this.trySend(frame) })
  private readonly controls = new ControlChannel((frame) => this.send(frame))
  private readonly permissions: PermissionDesk
  private readonly unsubscribe: () => void
  private readonly lifetime = new AbortController()
  private phase: Phase = 'idle'
  /** When the current connection opened, and the reconnect attempt that opened it (0: start()). */
  private connectedAt = 0
  private openedByAttempt = 0
  private socket?: SessionSocket
  private connectedFrame?: ConnectedFrame
  private readonly position: ReplayPosition
  /** The last error frame without seq on this connection (why the server is about to close it). */
  private lastServerError?: WireError
  private closing?: Promise<void>

  constructor(private readonly init: SessionConnectionInit) {
    super()
    this.position = new ReplayPosition(init.after)
    this.permissions = new PermissionDesk({
      handlers: () => init.hub.currentPermissionHandlers(),
      sessionId: () => this.sessionId,
      position: () => ({ epoch: this.position.epoch, caughtUp: this.caughtUp }),
      trySend: (frame) => {
        const sent = this.trySend(frame)
        if (sent === undefined || !('tooLarge' in sent)) return sent !== undefined
        // An edited input over the frame limit can never be sent: deny, so the tool does not
        // wait for the server's timeout, and say why.
        const { bytes, limit } = sent.tooLarge
        const why = `The answer to ${frame.requestId} is ${bytes} bytes; the server takes frames of up to ${limit} bytes`
        init.hub.emitError(new ClaudeAgentClientError('HANDLER_FAILED', `${why}: denied instead`))
        return (
          this.trySend({ type: FRAME.permissionResponse, requestId: frame.requestId, decision: 'deny', message: `${why}.` }) !== undefined
        )
      },
      handlerFailed: (error) => init.hub.emitError(error),
    })
    this.unsubscribe = init.hub.permissionHandlerAdded.add(() => this.permissions.pump())
  }

  protected get hub(): Hub {
    return this.init.hub
  }

  /** The session's id (`default` for `/ws` once connected). */
  get sessionId(): string | undefined {
    return this.init.sessionId ?? this.connectedFrame?.sessionId
  }

  /** The server's `connected` frame of the current connection. */
  get connection(): ConnectedFrame | undefined {
    return this.connectedFrame
  }

  get connectionState(): ConnectionState {
    return this.phase === 'idle' ? 'closed' : this.phase
  }

  get isConnected(): boolean {
    return this.phase === 'connected'
  }

  /** The seq of the last session event delivered (the replay cursor of the next reconnect). */
  get lastSeq(): number | undefined {
    return this.position.cursor
  }

  /** Connected, and every event logged when this connection attached has been delivered. */
  private get caughtUp(): boolean {
    return this.phase === 'connected' && this.position.replayed
  }

  /** Connect once (no retry) and resolve on the `connected` frame. Rejects `CONNECTION_FAILED`, `CLIENT_STOPPED`. */
  async open(signal?: AbortSignal): Promise<ConnectedFrame> {
    if (this.phase !== 'idle') throw new ClaudeAgentClientError('ALREADY_STARTED', 'This connection was opened already')
    this.setPhase('connecting')
    try {
      return await this.connectOnce(this.init.after, signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal)
    } catch (error) {
      const failure = connectFailure(error, '', this.init.connectTimeoutMs)
      // close() may have run meanwhile (the type checker does not know the await may change phase).
      if ((this.phase as Phase) === 'connecting') this.setPhase('closed', failure)
      throw failure
    }
  }

  /** Send a frame as is. @throws `NOT_CONNECTED` unless connected (also while reconnecting). */
  send(frame: ClientFrame): void {
    const socket = this.requireConnected('send')
    try {
      socket.send(JSON.stringify(frame))
    } catch (error) {
      throw new ClaudeAgentClientError('CONNECTION_CLOSED', 'The connection to the server is closing', { cause: error })
    }
    this.init.log('→', frame)
  }

  /**
   * Send a prompt with its own uuid and resolve with the `result` of its turn (check `is_error`).
   * While reconnecting the prompt waits and is sent once connected again.
   */
  async prompt(input: PromptInput, options: PromptOptions = {}): Promise<SdkResultMessage> {
    if (this.phase !== 'connected' && this.phase !== 'reconnecting') throw notConnected('prompt', this.phase)
    options.signal?.throwIfAborted()
    return this.turns.run(promptFrame(input), options.signal)
  }

  /** Interrupt the running turn; it ends with an error result. @throws `NOT_CONNECTED`. */
  interrupt(): void {
    this.send({ type: FRAME.interrupt })
  }

  /** `for await (const frame of session.messages())`: the frames from now on, until closed. A
   * connection closed for good says nothing more (it cannot be opened again): the loop ends at once. */
  override messages(options?: MessagesOptions): AsyncIterableIterator<ServerFrame> {
    const stream = super.messages(options)
    if (this.phase === 'closed') void stream.return?.()
    return stream
  }

  /** Close for good: pending prompts reject with `CLIENT_STOPPED`, iterators end. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  /** Files and commands go to this connection's server; commands run in this session. */
  private workspaceTarget(): WorkspaceTarget {
    const { baseUrl, token, log, hub, connectTimeoutMs } = this.init
    return {
      baseUrl,
      log,
      ...(token !== undefined && { token }),
      sessionId: this.sessionId ?? 'default',
      timeoutMs: connectTimeoutMs,
      reportError: (error) => hub.emitError(error),
    }
  }

  // ---- connecting ----

  private async connectOnce(after: number | undefined, stop: AbortSignal): Promise<ConnectedFrame> {
    const url = sessionWsEndpoint(this.init.baseUrl, this.init.sessionId, {
      after,
      label: this.init.label,
      partial: this.init.partial === true ? 1 : undefined,
    })
    const { socket, connected } = await SessionSocket.open({
      url,
      token: this.init.token,
      timeoutMs: this.init.connectTimeoutMs,
      stop,
      log: this.init.log,
      createTransport: this.init.createTransport,
      events: {
        // Events of a socket that has been replaced are ignored.
        frame: (frame) => this.socket === socket && this.receive(frame),
        unreadable: (error) => this.socket === socket && this.unreadable(error),
        closed: (event) => this.socket === socket && this.handleClose(event),
      },
    })
    if (stop.aborted) {
      void socket.close()
      throw stop.reason
    }
    this.socket = socket
    this.connectedAt = Date.now()
    this.connectedFrame = connected
    this.lastServerError = undefined
    this.position.attached(connected)
    this.setPhase('connected')
    this.turns.connected(this.position.epoch)
    if (this.caughtUp) this.turns.caughtUp(this.position.epoch)
    this.permissions.pump()
    return connected
  }

  // ---- frames ----

  private receive(frame: ServerFrame): void {
    // Before deduplication: a live connection gets the open requests again, with old seqs.
    if (frame.type === FRAME.permissionRequest) this.permissions.request(frame)
    else if (frame.type === FRAME.permissionResolved) this.permissions.resolve(frame)
    else if (frame.type === FRAME.controlResponse) this.controls.observe(frame)
    if (frame.type === FRAME.connected) return this.init.hub.emitMessage(frame)
    if (this.turns.isResendAnswer(frame)) return this.init.log('a resent prompt was there already: waiting for its result')
    const seq = frameSeq(frame)
    if (seq !== undefined) {
      // Delivered already: an open request resent to a live connection
      if (!this.position.advance(seq, this.init.log)) return this.permissions.pump()
    } else if (frame.type === FRAME.error) {
      this.lastServerError = toWireError(frame)
    }
    // Bookkeeping first, so handlers see a consistent state.
    this.turns.observe(frame)
    if (this.caughtUp) this.turns.caughtUp(this.position.epoch)
    this.init.hub.emitMessage(frame)
    this.permissions.pump()
  }

  private unreadable(error: WireError): void {
    const message = `The server sent a frame the client cannot read: ${error.error}`
    this.init.hub.emitError(new ClaudeAgentClientError('INVALID_SERVER_FRAME', message, { wireError: error }))
  }

  private handleClose(event: TransportCloseEvent): void {
    if (this.phase !== 'connected') return // our own close()
    this.socket = undefined
    this.connectedFrame = undefined
    const { controlLost, error, final } = closeFailures(event, this.lastServerError)
    this.controls.failAll(controlLost)
    if (final) return this.terminate(error)
    if (!this.init.reconnect.enabled) return this.terminate(error)
    this.phase = 'reconnecting'
    // A connection that did not last counts on from the attempt that opened it.
    const firstAttempt = Date.now() - this.connectedAt < STABLE_CONNECTION_MS ? this.openedByAttempt + 1 : 1
    void reconnect(
      {
        options: this.init.reconnect,
        stop: this.lifetime.signal,
        attempt: () => this.connectOnce(this.position.cursor, this.lifetime.signal),
        report: (change) => this.init.hub.emitChange(change),
        ...(this.init.gone && { gone: this.init.gone }),
        giveUp: (failure) => this.terminate(failure),
      },
      error,
      firstAttempt,
    ).then((attempt) => {
      if (attempt !== undefined) this.openedByAttempt = attempt
    })
  }

  /** The connection is over for good: pending prompts and iterators end with `error`. */
  private terminate(error: ClaudeAgentClientError): void {
    if (this.phase === 'closed') return
    this.endAll(error)
    this.init.hub.emitError(error)
    this.setPhase('closed', error)
  }

  /** End the connection's lifetime: what waits on it (prompts, control requests, permission requests) fails with `error`. */
  private endAll(error: ClaudeAgentClientError): void {
    this.lifetime.abort(error)
    this.turns.failAll(error)
    this.controls.failAll(error)
    this.permissions.close(error)
    this.unsubscribe()
  }

  // ---- sending ----

  private trySend(frame: ClientFrame): SentMark | TooLarge | undefined {
    if (this.phase !== 'connected' || !this.socket) return undefined
    const text = JSON.stringify(frame)
    const limit = this.connectedFrame?.maxFrameBytes
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a long text needs counting.
    if (limit !== undefined && text.length * 3 > limit) {
      const bytes = utf8Length(text)
      if (bytes > limit) return { tooLarge: { bytes, limit } }
    }
    try {
      this.socket.send(text)
    } catch {
      return undefined // closing: the prompt waits for the next connection
    }
    this.init.log('→', frame)
    return { epoch: this.position.epoch, baseSeq: this.position.baseSeq }
  }

  private requireConnected(method: string): SessionSocket {
    if (this.phase === 'connected' && this.socket) return this.socket
    throw notConnected(method, this.phase)
  }

  private setPhase(phase: ConnectionState, error?: ClaudeAgentClientError): void {
    this.phase = phase
    this.init.hub.emitChange(error ? { state: phase, error } : { state: phase })
  }

  private async shutdown(): Promise<void> {
    const wasOpen = this.phase !== 'idle' && this.phase !== 'closed'
    const stopped = new ClaudeAgentClientError('CLIENT_STOPPED', 'The connection was closed by the client')
    this.phase = 'closed'
    this.endAll(stopped)
    const socket = this.socket
    this.socket = undefined
    this.connectedFrame = undefined
    await socket?.close().catch((error: unknown) => this.init.log(`closing the socket failed: ${String(error)}`))
    if (wasOpen) this.init.hub.emitChange({ state: 'closed' })
  }
}
