// Accepts WebSocket upgrades: /ws (the default session, the original protocol) and
// /sessions/:id/ws; `?after=N` replays the events after N first. Other modules add endpoints
// as UpgradeRoutes (/files/watch). Anything else is refused with an HTTP error in the wire
// error shape before the upgrade.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { ServerError, toServerError } from '../errors.js'
import { BEARER_SUBPROTOCOL } from '../http/auth.js'
import type { Session } from '../sessions/session.js'
import { DEFAULT_SESSION_ID } from '../sessions/session-manager.js'
import { handleConnection, type ConnectionOptions } from './connection.js'

function refuse(socket: Duplex, error: ServerError): void {
  const text = JSON.stringify(error.toWire())
  const challenge = error.code === 'UNAUTHORIZED' ? 'www-authenticate: Bearer\r\n' : ''
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${challenge}connection: close\r\n\r\n${text}`,
  )
}

/** A boolean query flag: absent, `1`/`true`, or `0`/`false`. */
function parseFlag(name: string, raw: string | null): boolean | undefined {
  if (raw === null) return undefined
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new ServerError('INVALID_REQUEST', `${name} must be 1, true, 0 or false`, { issues: [{ path: name, message: 'boolean flag' }] })
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

/** Another WebSocket endpoint at an exact path (e.g. /files/watch). It upgrades the socket
 * itself, or rejects with a ServerError that is sent as the HTTP error. */
export interface UpgradeRoute {
  path: string
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void>
}

export function attachWebSockets(server: Server, options: ConnectionOptions, routes: UpgradeRoute[] = []): WebSocketServer {
  // A hard cap well above the soft limit: frames between the two get a FRAME_TOO_LARGE
  // error frame and the connection lives on; only absurd frames close it (code 1009).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes * 4,
    // A browser passes its token as a subprotocol pair (`bearer`, token); answer with `bearer`
    // so the token itself is never echoed.
    handleProtocols: (protocols) => (protocols.has(BEARER_SUBPROTOCOL) ? BEARER_SUBPROTOCOL : false),
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const tokenLabel = options.auth.check(req)
      if (options.sessions.shuttingDown) throw new ServerError('SHUTTING_DOWN', 'The server is shutting down')
      const url = new URL(req.url ?? '/', 'http://localhost')
      const route = routes.find((r) => r.path === url.pathname)
      if (route) {
        route.upgrade(req, socket, head, url).catch((err: unknown) => refuse(socket, toServerError(err)))
        return
      }
      const session = sessionFor(url.pathname, options)
      const after = parseCursor(url.searchParams.get('after'), options.log.lastSeq(session.id))
      const partial = parseFlag('partial', url.searchParams.get('partial'))
      // A token's label is authoritative; `?label=` only names clients of an open server.
      const label = tokenLabel ?? (url.searchParams.get('label')?.slice(0, 64) || undefined)
      wss.handleUpgrade(req, socket, head, (ws) => handleConnection(ws, session, { after, partial, label }, options))
    } catch (err) {
      refuse(socket, toServerError(err))
    }
  })
  return wss
}
