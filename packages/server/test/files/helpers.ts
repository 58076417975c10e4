// Helpers for the file and exec tests: raw requests, an NDJSON reader that yields lines as
// they arrive, and a watch socket that records frames and waits for the ones a test expects.
import { readdirSync, readFileSync } from 'node:fs'
import WebSocket from 'ws'
import type { Json } from '../helpers/http.js'

export type Frame = { type: string; [key: string]: unknown }

/**
 * The live `sleep <seconds>` processes with exactly this argument. Commands run in the
 * session's sandbox, in their own pid namespace: a pid they print means nothing out here, so
 * each test's sleep gets a unique duration to be found by in /proc (zombies excluded).
 */
export const sleeping = (seconds: string): number[] =>
  readdirSync('/proc')
    .map(Number)
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
        return argv[0]?.endsWith('sleep') === true && argv[1] === seconds && state !== 'Z'
      } catch {
        return false
      }
    })

/** A request whose answer is JSON (errors included). */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: string | Uint8Array,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined && { body }) })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} }
}

/** `?path=` as a client library would build it. */
export const q = (path: string, extra = '') => `?path=${encodeURIComponent(path)}${extra}`

/** The lines of an NDJSON answer, parsed, as they arrive. */
export async function* ndjson(res: Response): AsyncGenerator<Frame> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (line.trim()) yield JSON.parse(line) as Frame
    }
  }
  if (buffered.trim()) yield JSON.parse(buffered) as Frame
}

export interface ExecResult {
  status: number
  frames: Frame[]
  stdout: string
  stderr: string
  exit: Frame | undefined
  body: Json
}

/** Runs a command through the API and collects everything. */
export async function exec(base: string, session: string, request: unknown): Promise<ExecResult> {
  const res = await fetch(`${base}/sessions/${session}/exec`, { method: 'POST', body: JSON.stringify(request) })
  if (!res.headers.get('content-type')?.startsWith('application/x-ndjson')) {
    return { status: res.status, frames: [], stdout: '', stderr: '', exit: undefined, body: (await res.json()) as Json }
  }
  const frames: Frame[] = []
  for await (const frame of ndjson(res)) frames.push(frame)
  const text = (type: string) =>
    frames
      .filter((f) => f.type === type)
      .map((f) => f['data'])
      .join('')
  return {
    status: res.status,
    frames,
    stdout: text('stdout'),
    stderr: text('stderr'),
    exit: frames.find((f) => f.type === 'exit'),
    body: {},
  }
}

/** A watch socket: records frames, waits for matching ones (with a deadline, so a missing frame fails). */
export class WatchProbe {
  readonly frames: Frame[] = []
  closeCode: number | undefined
  private wake: Array<() => void> = []

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame)
      for (const w of this.wake.splice(0)) w()
    })
    socket.on('close', (code) => {
      this.closeCode = code
      for (const w of this.wake.splice(0)) w()
    })
  }

  /** Opens the socket and waits for `watching`. */
  static async open(url: string): Promise<WatchProbe> {
    const probe = new WatchProbe(new WebSocket(url))
    await new Promise<void>((resolve, reject) => {
      probe.socket.once('open', () => resolve())
      probe.socket.once('error', reject)
    })
    await probe.next((f) => f.type === 'watching')
    return probe
  }

  async next(match: (f: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.find(match)
      if (found) return found
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}); frames: ${this.summary()}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out; frames: ${this.summary()}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for `event` on `path` that arrives after the frames seen so far. */
  event(event: string, path: string): Promise<Frame> {
    const from = this.frames.length
    return this.next((f) => this.frames.indexOf(f) >= from && f.type === 'file_event' && f['event'] === event && f['path'] === path)
  }

  events(): string[] {
    return this.frames.filter((f) => f.type === 'file_event').map((f) => `${f['event']} ${f['path']}`)
  }

  summary(): string {
    return this.frames.map((f) => (f.type === 'file_event' ? `${f['event']}:${f['path']}` : f.type)).join(', ')
  }

  async close(): Promise<void> {
    if (this.closeCode !== undefined) return
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()))
    this.socket.close()
    await closed
  }
}

/** Waits until `check` holds (polling), failing after a generous deadline: for effects with no event. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
