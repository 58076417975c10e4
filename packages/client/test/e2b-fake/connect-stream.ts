// The Connect protocol's framing for a server-streaming call with JSON messages, as envd speaks
// it (and the e2b SDK's connect-web transport reads it): each message is an envelope of one flag
// byte and a big-endian length, and the stream ends with an end-stream envelope (flag 0x02).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody } from './http.js'

const END_STREAM = 0b10

/** The one request message of a server-streaming call. */
export async function readConnectRequest(request: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(request)
  if (body.length < 5) throw new Error('no enveloped request message')
  const length = body.readUInt32BE(1)
  return JSON.parse(body.subarray(5, 5 + length).toString('utf8')) as Record<string, unknown>
}

export interface ConnectStream {
  send(message: unknown): void
  /** Ends the stream: cleanly, or with a Connect error (`code` like `not_found`). */
  end(error?: { code: string; message: string }): void
  readonly ended: boolean
}

export function openConnectStream(response: ServerResponse): ConnectStream {
  response.writeHead(200, { 'content-type': 'application/connect+json' })
  let ended = false
  const envelope = (flags: number, message: unknown) => {
    const json = Buffer.from(JSON.stringify(message), 'utf8')
    const head = Buffer.alloc(5)
    head.writeUInt8(flags, 0)
    head.writeUInt32BE(json.length, 1)
    response.write(Buffer.concat([head, json]))
  }
  return {
    send(message) {
      if (!ended && !response.destroyed) envelope(0, message)
    },
    end(error) {
      if (ended) return
      ended = true
      if (response.destroyed) return
      envelope(END_STREAM, error ? { error } : {})
      response.end()
    },
    get ended() {
      return ended || response.destroyed
    },
  }
}

/** Connect error codes used here, as HTTP statuses for unary answers. */
export const CONNECT_STATUS: Record<string, number> = { not_found: 404, unauthenticated: 401, unavailable: 503, invalid_argument: 400 }
