// Part of the server probe: a timeline of the server's socket traffic, for
// bench/tools/turn-path.ts. Every chunk read from or written to a socket is noted with its
// time, its direction and whose socket it is (the client's WebSocket, the CLI's stdio pipes,
// the CLI's connection to the model gateway, the gateway's upstream connection), so a warm
// turn's critical path can be read off without touching the server's code.
import { subscribe } from 'node:diagnostics_channel'
import { IncomingMessage } from 'node:http'
import net from 'node:net'

/** @typedef {{ t: number, dir: 'in' | 'out' | 'end', kind: string, bytes: number, result: boolean }} TraceEvent */

/** @type {TraceEvent[] | undefined} */
let events
const serverPort = Number(process.env['PORT'])
const modelPort = Number(new URL(process.env['ANTHROPIC_BASE_URL'] ?? 'http://127.0.0.1:1').port)
const GATEWAY_PORT = 7480

/** @param {net.Socket} socket */
function kindOf(socket) {
  // @ts-ignore the handle's class says a pipe from a TCP socket
  if (socket._handle?.constructor?.name === 'Pipe') return 'pipe'
  if (socket.localPort === serverPort) return 'client'
  if (socket.remotePort === modelPort) return 'upstream'
  if (socket.localPort === GATEWAY_PORT) return 'gateway'
  return 'other'
}

/** @param {unknown} chunk */
const sizeOf = (chunk) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.length : 0)
/** @param {unknown} chunk */
const hasResult = (chunk) => (typeof chunk === 'string' || Buffer.isBuffer(chunk)) && chunk.includes(RESULT)
const RESULT = '"type":"result"'

/** @param {net.Socket} socket @param {'in' | 'out' | 'end'} dir @param {unknown[]} chunks */
function note(socket, dir, chunks) {
  if (!events) return
  const t = Number(process.hrtime.bigint()) / 1e6
  const kind = kindOf(socket)
  // Only the CLI's output and what goes to the client are looked into (a result ends a turn).
  const result = (kind === 'pipe' || kind === 'client') && chunks.some(hasResult)
  let bytes = 0
  for (const chunk of chunks) bytes += sizeOf(chunk)
  events.push({ t, dir, kind, bytes, result })
}

const proto = /** @type {any} */ (net.Socket.prototype)
const push = proto.push
proto.push = function (/** @type {unknown} */ chunk, /** @type {unknown[]} */ ...rest) {
  if (chunk !== null) note(this, 'in', [chunk])
  return push.call(this, chunk, ...rest)
}
const writeGeneric = proto._writeGeneric
proto._writeGeneric = function (/** @type {boolean} */ writev, /** @type {any} */ data, /** @type {unknown[]} */ ...rest) {
  note(this, 'out', writev ? data.map((/** @type {{ chunk: unknown }} */ d) => d.chunk) : [data])
  return writeGeneric.call(this, writev, data, ...rest)
}

// The HTTP server reads its sockets in native code (the parser consumes the handle): the
// gateway's request is seen as its parsed head and body chunks instead.
subscribe('http.server.request.start', (message) => {
  const { request } = /** @type {{ request: IncomingMessage }} */ (message)
  note(request.socket, 'in', [])
})
const message = /** @type {any} */ (IncomingMessage.prototype)
const messagePush = message.push
message.push = function (/** @type {unknown} */ chunk, /** @type {unknown[]} */ ...rest) {
  if (!this.req) note(this.socket, chunk === null ? 'end' : 'in', chunk === null ? [] : [chunk])
  return messagePush.call(this, chunk, ...rest)
}

/** Starts a trace, or stops it and returns what it saw. @param {boolean} on */
export function trace(on) {
  const seen = events ?? []
  events = on ? [] : undefined
  return seen
}
