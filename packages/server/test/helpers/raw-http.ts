// One request as raw bytes on a fresh TCP connection, for what fetch cannot send (`GET //`,
// malformed escapes, broken framing, non-HTTP bytes, CONNECT). Resolves with the first response.
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  /** The body as text; `json` is set when it parses. */
  text: string
  json: Record<string, any> | undefined
  /** The connection closed without any response bytes. */
  empty: boolean
}

export function parseRawResponse(bytes: Buffer): RawResponse {
  const text = bytes.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return { status: 0, headers: {}, text: bytes.toString('utf8'), json: undefined, empty: bytes.length === 0 }
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
  const body = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
  const bodyText = (length === undefined ? body : body.subarray(0, length)).toString('utf8')
  let json: Record<string, any> | undefined
  try {
    json = JSON.parse(bodyText) as Record<string, any>
  } catch {
    json = undefined
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, text: bodyText, json, empty: false }
}

/** Sends `request` (an HTTP/1.1 request or any bytes) and resolves when the server has sent a
 * whole response (by content-length) or closed the connection. */
export function rawRequest(port: number, request: string | Buffer, options: { timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(parseRawResponse(Buffer.concat(chunks)))
    }
    const timer = setTimeout(() => {
      settled = true
      socket.destroy()
      reject(new Error(`no complete response to ${JSON.stringify(request.toString().slice(0, 80))}`))
    }, options.timeoutMs ?? 20_000)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const got = parseRawResponse(Buffer.concat(chunks))
      const length = Number(got.headers['content-length'])
      // 101: an accepted upgrade, whose stream never ends by itself.
      if (got.status === 101 || (got.status > 0 && Number.isFinite(length) && Buffer.byteLength(got.text) >= length)) finish()
    })
    socket.on('end', finish)
    socket.on('close', finish)
    // The server may answer and close before it has read everything (431, a refused upgrade).
    socket.on('error', finish)
    socket.write(request)
  })
}

/** A GET with the given target and extra header lines, `Connection: close`. */
export function rawGet(target: string, headers: string[] = []): string {
  return [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, 'Connection: close', '', ''].join('\r\n')
}

/** A WebSocket upgrade request for `target` (valid handshake headers unless overridden). */
export function rawUpgrade(target: string, headers: string[] = []): string {
  const base = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']
  const names = new Set(headers.map((h) => h.split(':')[0]!.toLowerCase()))
  return [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...base.filter((h) => !names.has(h.split(':')[0]!.toLowerCase())),
    ...headers,
    '',
    '',
  ].join('\r\n')
}
