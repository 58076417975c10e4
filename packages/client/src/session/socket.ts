// One WebSocket of a session connection: opens it, waits for the server's `connected` frame,
// then reports frames and the close. A SessionConnection makes a new one per (re)connect.
import type { ConnectedFrame, ServerFrame, WireError } from '@claude-agent/protocol'
import { FRAME, parseServerFrame } from '@claude-agent/protocol'
import { deadlineSignal, raceAbort } from '../abort.js'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import type { Transport, TransportCloseEvent } from '../transport/transport.js'
import { WebSocketTransport } from '../transport/websocket.js'
import { loggableUrl } from '../urls.js'
import { connectFailure, toWireError } from './failures.js'

export interface SocketEvents {
  /** Every frame after the handshake, starting with `connected` itself. */
  frame(frame: ServerFrame): void
  /** A frame that does not parse. */
  unreadable(error: WireError): void
  /** The socket closed after the handshake (not after close()). */
  closed(event: TransportCloseEvent): void
}

export interface SocketOptions {
  url: string
  timeoutMs: number
  /** Aborting gives up on opening. */
  stop: AbortSignal
  log: DebugLog
  events: SocketEvents
  /** Bearer token for the upgrade; never logged. */
  token?: string
  createTransport?: (url: string) => Transport
}

type Waiter = { resolve(frame: ConnectedFrame): void; reject(error: Error): void }

export class SessionSocket {
  private waiter?: Waiter
  /** Frames held back until the macrotask after the handshake (see open()). */
  private held?: string[] = []
  /** A close that came while frames were held: reported after them. */
  private heldClose?: TransportCloseEvent
  private closedByUs = false

  private constructor(
    private readonly transport: Transport,
    private readonly options: SocketOptions,
  ) {}

  /**
   * Open and resolve on the `connected` frame; rejects `CONNECTION_FAILED` (with the server's
   * wire error when it refused) or with `stop`'s reason. Whoever awaits this sets up in a
   * microtask, so frames (`connected` first) are reported from the next macrotask on: a caller
   * that subscribes right after `await` misses none of them.
   */
  static async open(options: SocketOptions): Promise<{ socket: SessionSocket; connected: ConnectedFrame }> {
    const transport = options.createTransport?.(options.url) ?? new WebSocketTransport({ url: options.url, token: options.token })
    const socket = new SessionSocket(transport, options)
    const connected = new Promise<ConnectedFrame>((resolve, reject) => (socket.waiter = { resolve, reject }))
    connected.catch(() => {}) // may settle while transport.start() is still pending
    transport.onmessage = (text) => socket.receive(text)
    transport.onclose = (event) => socket.onClose(event)
    transport.onerror = (error) => options.log(`socket error: ${error.message}`)
    options.log(`connecting to ${loggableUrl(options.url)}`)
    const deadline = deadlineSignal(options.timeoutMs, options.stop)
    try {
      await raceAbort(transport.start(), deadline)
      const frame = await raceAbort(connected, deadline)
      setTimeout(() => socket.release(frame), 0)
      return { socket, connected: frame }
    } catch (error) {
      socket.closedByUs = true
      void transport.close().catch(() => {})
      throw connectFailure(error, options.url, options.timeoutMs)
    }
  }

  /** @throws when the socket is not open. */
  send(text: string): void {
    this.transport.send(text)
  }

  /** Close; no `closed` event follows. */
  close(): Promise<void> {
    this.closedByUs = true
    return this.transport.close()
  }

  private receive(text: string): void {
    if (this.closedByUs) return
    if (this.waiter) return this.handshake(text)
    if (this.held) return void this.held.push(text)
    const parsed = parseServerFrame(text)
    if (!parsed.ok) return this.options.events.unreadable(parsed.error)
    this.options.log('←', parsed.value)
    this.options.events.frame(parsed.value)
  }

  /** The handshake: only `connected` (or a refusing `error`) counts until it is done. */
  private handshake(text: string): void {
    const parsed = parseServerFrame(text)
    const waiter = this.waiter
    if (!parsed.ok || !waiter) return
    const frame = parsed.value
    if (frame.type === FRAME.connected) {
      this.waiter = undefined // what follows is held, then reported
      waiter.resolve(frame)
    } else if (frame.type === FRAME.error) {
      // e.g. a server that admits one client at a time: this connection never became usable.
      this.waiter = undefined
      const message = `The server refused the connection: ${frame.error}`
      waiter.reject(new ClaudeAgentClientError('CONNECTION_FAILED', message, { wireError: toWireError(frame) }))
    } else this.options.log(`ignored a ${frame.type} frame before connected`)
  }

  private release(connected: ConnectedFrame): void {
    const held = this.held ?? []
    this.held = undefined
    if (this.closedByUs) return
    this.options.log('←', connected)
    this.options.events.frame(connected)
    for (const text of held) this.receive(text)
    if (this.heldClose) this.options.events.closed(this.heldClose)
  }

  private onClose(event: TransportCloseEvent): void {
    const detail = `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`
    this.options.log(`socket closed (${detail})`)
    if (this.waiter) {
      const message = `The server closed the connection before it was ready (${detail})`
      return this.waiter.reject(new ClaudeAgentClientError('CONNECTION_FAILED', message))
    }
    if (this.closedByUs) return
    if (this.held)
      this.heldClose = event // reported once the held frames are
    else this.options.events.closed(event)
  }
}
