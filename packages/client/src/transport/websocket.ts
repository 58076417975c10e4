// A Transport over one WebSocket: the `ws` package in Node (it shows why an upgrade was
// refused), the platform's `WebSocket` in browsers. Which one is the package's `imports` map's
// choice (`#websocket`: load-ws.node.ts / load-ws.browser.ts), so browser bundles never hold `ws`. A bearer token goes in the `Authorization` header with
// `ws`, and as the subprotocols `['bearer', token]` where headers cannot be set (browsers).
import { loadWebSocket } from '#websocket'
import { validateSubprotocolToken } from '../token-format.js'
import { UpgradeRefusedError, type Transport, type TransportCloseEvent } from './transport.js'

/** The part of the WHATWG WebSocket API we use; both browsers and `ws` provide it. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onerror: ((event: unknown) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
}
/** A WHATWG WebSocket constructor; `ws` also takes the third argument (headers). */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike

export interface WebSocketTransportOptions {
  /** `ws://` or `wss://` URL. */
  url: string
  /**
   * WebSocket implementation to use.
   * @default the `ws` package in Node, else globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor
  /**
   * Bearer token for a server that requires one. Never logged.
   * @default undefined (no credential sent)
   */
  token?: string
  /**
   * How long `close()` waits for the closing handshake before giving up on it, in ms.
   * @default 2_000
   */
  closeTimeoutMs?: number
}

const OPEN = 1
const CLOSED = 3

export class WebSocketTransport implements Transport {
  onmessage?: (message: string) => void
  onerror?: (error: Error) => void
  onclose?: (event: TransportCloseEvent) => void

  private socket?: WebSocketLike
  private opened = false
  private closed?: Promise<void>
  private markClosed?: () => void

  constructor(private readonly options: WebSocketTransportOptions) {}

  async start(): Promise<void> {
    if (this.socket) throw new Error('WebSocketTransport already started')
    const { token } = this.options
    const { Ctor, headers } = this.options.WebSocket ? { Ctor: this.options.WebSocket, headers: false } : await loadWebSocket()
    // The server answers the subprotocol pair with `bearer` alone, so the token is never echoed.
    // A browser's own refusal of a bad subprotocol would quote the token in its message.
    if (token && !headers) validateSubprotocolToken(token)
    const socket = !token
      ? new Ctor(this.options.url)
      : headers
        ? new Ctor(this.options.url, undefined, { headers: { authorization: `Bearer ${token}` } })
        : new Ctor(this.options.url, ['bearer', token])
    this.socket = socket
    this.closed = new Promise((resolve) => (this.markClosed = resolve))
    let refusal: UpgradeRefusedError | undefined
    watchRefusal(socket, (error) => (refusal = error))

    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => {
        this.opened = true
        resolve()
      }
      socket.onerror = (event) => {
        const error = toError(event)
        if (this.opened) this.onerror?.(error)
        else reject(refusal ?? error)
      }
      socket.onclose = (event) => {
        this.markClosed?.()
        if (this.opened) this.onclose?.({ code: event.code, reason: event.reason })
        else reject(refusal ?? new Error(`WebSocket closed before opening (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`))
      }
      socket.onmessage = (event) => {
        const text = toText(event.data)
        if (text === undefined) this.onerror?.(new Error('Ignored a binary WebSocket frame'))
        else this.onmessage?.(text)
      }
    })
  }

  send(message: string): void {
    if (!this.socket || this.socket.readyState !== OPEN) throw new Error('WebSocket is not open')
    this.socket.send(message)
  }

  async close(): Promise<void> {
    const socket = this.socket
    if (!socket || socket.readyState === CLOSED) return
    socket.close(1000, 'client closed')
    // A peer that never answers the closing handshake must not hang stop(); `ws` would wait 30 s.
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 2_000)
    })
    await Promise.race([this.closed, timeout])
    clearTimeout(timer)
    if (socket.readyState !== CLOSED) (socket as { terminate?: () => void }).terminate?.()
  }
}

/** The part of Node's IncomingMessage a refusal is read from (no `node:` types in this module). */
interface RefusedResponse {
  readonly statusCode?: number
  setEncoding(encoding: 'utf8'): void
  on(event: 'data', listener: (chunk: string) => void): void
  once(event: 'end' | 'error' | 'close', listener: () => void): void
}

/** The `ws` package's extra: the HTTP answer to a refused upgrade (status and wire error). */
interface RefusalSource {
  on(event: 'unexpected-response', listener: (request: unknown, response: RefusedResponse) => void): void
  terminate(): void
}

function watchRefusal(socket: WebSocketLike, onRefusal: (error: UpgradeRefusedError) => void): void {
  const source = socket as Partial<RefusalSource>
  if (typeof source.on !== 'function' || typeof source.terminate !== 'function') return
  source.on('unexpected-response', (_request, response) => {
    let text = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      if (text.length < 64 * 1024) text += chunk
    })
    let done = false
    const finish = () => {
      if (done) return
      done = true
      onRefusal(new UpgradeRefusedError(response.statusCode ?? 0, parseBody(text)))
      source.terminate?.() // ends the handshake: the socket reports error + close, start() rejects
    }
    response.once('end', finish)
    response.once('error', finish)
    response.once('close', finish)
  })
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function toText(data: unknown): string | undefined {
  if (typeof data === 'string') return data
  // `ws` delivers text frames as strings; binary frames are not part of our protocol,
  // but decode UTF-8 bytes anyway so a proxy that re-frames text as binary still works.
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    try {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      return undefined
    }
  }
  return undefined
}

function toError(event: unknown): Error {
  // `ws` puts the cause on ErrorEvent.error / .message; browsers give no detail at all.
  const { error, message } = (event ?? {}) as { error?: unknown; message?: unknown }
  if (error instanceof Error) return error
  return new Error(typeof message === 'string' && message ? message : 'WebSocket error')
}
