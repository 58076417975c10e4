// A transparent TCP tap between the Claude Code CLI and the scripted model. It forwards bytes
// unchanged and notes the moment it hands each marked text delta to the CLI's socket: that is
// "the model wrote it" for the latency figures. Markers are the delta texts the bench scenario
// streams (`#000042 `), so the same regex finds them again in the frames a client receives.
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { now } from './clock.js'

/** Matches a marked delta in SSE bytes and in relayed frames alike. */
export const MARKER = /"text":"#(\d{6}) "/g

/** Every marker index found in `text`. */
export function markersIn(text: string): number[] {
  const found: number[] = []
  for (const match of text.matchAll(MARKER)) found.push(Number(match[1]))
  return found
}

export interface Tap {
  /** Base URL to give the CLI as ANTHROPIC_BASE_URL. */
  readonly url: string
  /** When each marker index was written to the CLI, since the last reset(). */
  readonly written: Map<number, number>
  reset(): void
  close(): Promise<void>
}

export async function startTap(upstreamPort: number): Promise<Tap> {
  const written = new Map<number, number>()
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => undefined)
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    // Keep the tail of each chunk: a marker may straddle two TCP reads.
    let tail = ''
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk)
      const at = now()
      const text = tail + chunk.toString('latin1')
      for (const index of markersIn(text)) if (!written.has(index)) written.set(index, at)
      tail = text.slice(-24)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    written,
    reset: () => written.clear(),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
