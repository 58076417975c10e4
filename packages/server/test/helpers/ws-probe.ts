// A raw WebSocket client for protocol tests: records every frame and waits for the ones a
// test expects, with a timeout so a missing frame fails the test instead of hanging it.
import WebSocket from 'ws'

export type Frame = { type: string; [key: string]: unknown }

export class WsProbe {
  readonly frames: Frame[] = []
  private waiters: Array<() => void> = []
  closed = false
  /** Resolves with the close code once the socket has closed. */
  readonly closedWith: Promise<number>

  private constructor(readonly socket: WebSocket) {
    this.closedWith = new Promise((resolve) => socket.once('close', (code: number) => resolve(code)))
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame)
      for (const w of this.waiters.splice(0)) w()
    })
    socket.on('close', () => {
      this.closed = true
      for (const w of this.waiters.splice(0)) w()
    })
  }

  static async connect(url: string, options: { headers?: Record<string, string> } = {}): Promise<WsProbe> {
    const socket = new WebSocket(url, options)
    const probe = new WsProbe(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    await probe.next((f) => f.type === 'connected')
    return probe
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  prompt(content: string): void {
    this.send({ type: 'user_message', data: { type: 'user', session_id: 'test', message: { role: 'user', content } } })
  }

  /** The first frame after index `from` that matches; waits for it. */
  async next(match: (f: Frame) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<Frame> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000)
    for (;;) {
      const found = this.frames.slice(options.from ?? 0).find(match)
      if (found) return found
      if (this.closed) throw new Error(`socket closed while waiting; frames: ${this.summary()}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for a frame; got: ${this.summary()}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Sends `prompt`; resolves with the text of its turn's result, which must not be an error. */
  async ask(prompt: string): Promise<string> {
    const from = this.frames.length
    this.prompt(prompt)
    const result = sdkData(await this.result(from))
    if (result['is_error'] !== false) throw new Error(`turn failed: ${JSON.stringify(result)}`)
    return result['result'] as string
  }

  /** Waits for the next `result` SDK message after index `from`. */
  result(from = 0): Promise<Frame> {
    return this.next((f) => f.type === 'sdk_message' && (f['data'] as Frame).type === 'result', { from })
  }

  summary(): string {
    return this.frames
      .map((f) => (f.type === 'sdk_message' ? `sdk:${(f['data'] as Frame).type}` : `${f.type}${f['code'] ? `:${f['code']}` : ''}`))
      .join(', ')
  }

  close(): void {
    this.socket.close()
  }
}

export const sdkData = (f: Frame) => f['data'] as Frame
