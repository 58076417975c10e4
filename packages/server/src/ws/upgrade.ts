// Accepts WebSocket upgrades: /ws (the default session, the original protocol) and
// /sessions/:id/ws; `?after=N` replays the events after N first. Anything else is refused
// with an HTTP error in the wire error shape before the upgrade.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { ServerError, toServerError } from '../errors.js'
import type { Session } from '../sessions/session.js'
import { DEFAULT_SESSION_ID } from '../sessions/session-manager.js'
import { handleConnection, type ConnectionOptions } from './connection.js'

function refuse(socket: Duplex, error: ServerError): void {
  const text = JSON.stringify(error.toWire())
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  )
}

/** The replay cursor: absent (live only) or an integer in 0..lastSeq. */
export function parseCursor(raw: string | null, lastSeq: number): number | undefined {
  if (raw === null) return undefined
  const after = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(after) || after < 0 || after > lastSeq) {
    throw new ServerError('INVALID_CURSOR', `after must be an integer from 0 to ${lastSeq}, got "${raw.slice(0, 32)}"`, { lastSeq })
  }
  return after
}

function sessionFor(path: string, options: ConnectionOptions): Session {
  if (path === '/ws') return options.sessions.get(DEFAULT_SESSION_ID)
  const match = /^\/sessions\/([^/]+)\/ws$/.exec(path)
  if (!match) throw new ServerError('NOT_FOUND', `No WebSocket endpoint at ${path}`)
  return options.sessions.get(decodeURIComponent(match[1]!))
}

export function attachWebSockets(server: Server, options: ConnectionOptions): WebSocketServer {
  // A hard cap well above the soft limit: frames between the two get a FRAME_TOO_LARGE
  // error frame and the connection lives on; only absurd frames close it (code 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes * 4 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (options.sessions.shuttingDown) throw new ServerError('SHUTTING_DOWN', 'The server is shutting down')
      const url = new URL(req.url ?? '/', 'http://localhost')
      const session = sessionFor(url.pathname, options)
      const after = parseCursor(url.searchParams.get('after'), options.log.lastSeq(session.id))
      wss.handleUpgrade(req, socket, head, (ws) => handleConnection(ws, session, after, options))
    } catch (err) {
      refuse(socket, toServerError(err))
    }
  })
  return wss
}
