// A bare WebSocket client that timestamps every frame on arrival and keeps its text; parsing
// is left to after the run so the client's own work stays out of the timings.
import WebSocket from 'ws'
import { now, within } from './clock.js'

export interface Received {
  at: number
  text: string
}

const STREAM_EVENT_PREFIX = '{"type":"sdk_message","data":{"type":"stream_event"'

/** The SDK message type (and subtype) of a frame's text; stream events are told by prefix, unparsed. */
function sdkKind(text: string): string | undefined {
  if (text.startsWith(STREAM_EVENT_PREFIX)) return 'stream_event'
  const frame = JSON.parse(text) as { type: string; data?: { type?: string; subtype?: string } }
  if (frame.type !== 'sdk_message') return undefined
  return frame.data?.subtype ? `${frame.data.type}/${frame.data.subtype}` : frame.data?.type
}

/** Frame kinds the bench looks for. */
export const is = {
  streamEvent: (t: string) => t.startsWith(STREAM_EVENT_PREFIX),
  result: (t: string) => sdkKind(t)?.startsWith('result') === true,
  init: (t: string) => sdkKind(t) === 'system/init',
  /** The server serializes `seq` last. */
  seq: (seq: number) => (t: string) => t.endsWith(`"seq":${seq}}`),
}

export class WsRecorder {
  readonly received: Received[] = []
  private readonly waiters = new Set<() => void>()
  private closed = false

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.received.push({ at: now(), text: data.toString() })
      for (const w of this.waiters) w()
    })
    socket.on('close', () => {
      this.closed = true
      for (const w of this.waiters) w()
    })
    socket.on('error', () => undefined)
  }

  /** Opens the socket; resolves once it is open (the server's `connected` frame follows). */
  static async open(url: string): Promise<WsRecorder> {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    const recorder = new WsRecorder(socket)
    await within(
      `connecting to ${url}`,
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve())
        socket.once('error', reject)
      }),
      30_000,
    )
    return recorder
  }

  send(text: string): void {
    this.socket.send(text)
  }

  prompt(content: string): void {
    this.send(JSON.stringify({ type: 'user_message', data: { type: 'user', session_id: 'bench', message: { role: 'user', content } } }))
  }

  /** The first frame at index >= from that matches; waits for it. */
  async next(match: (text: string) => boolean, from = 0, timeoutMs = 120_000): Promise<Received & { index: number }> {
    const deadline = Date.now() + timeoutMs
    let i = from
    for (;;) {
      for (; i < this.received.length; i++) if (match(this.received[i]!.text)) return { ...this.received[i]!, index: i }
      if (this.closed) throw new Error('the socket closed while waiting for a frame')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for a frame (${this.received.length} received)`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left)
        const waiters = this.waiters
        function wake() {
          clearTimeout(timer)
          waiters.delete(wake)
          resolve()
        }
        waiters.add(wake)
      })
    }
  }

  /** Forget what was received (long runs keep memory flat). */
  clear(): void {
    this.received.length = 0
  }

  async close(): Promise<void> {
    if (this.closed) return
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()))
    this.socket.close()
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))])
    if (!this.closed) this.socket.terminate()
  }
}
