// Accepts WebSocket upgrades: /ws (the default session, the original protocol) and
// /sessions/:id/ws; `?after=N` replays the events after N first. Other modules add endpoints
// as UpgradeRoutes (/files/watch). Anything else is refused with an HTTP error in the wire
// error shape before the upgrade.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { WebSocketServer } from 'ws'
import { actorOf } from '../audit/actor.js'
import { ServerError } from '../errors.js'
import { BEARER_SUBPROTOCOL, nodeCredentials } from '../http/auth.js'
import { parseCursor, parseFlag } from '../http/query.js'
import { decodeComponent, parseRequestTarget } from '../http/request-target.js'
import { logged, sendRawError } from '../http/respond.js'
import type { Session } from '../sessions/session.js'
import { DEFAULT_SESSION_ID } from '../sessions/session-manager.js'
import { handleConnection, type ConnectionOptions } from './connection.js'

/** A refused upgrade: an HTTP error in the wire shape, then the socket closes. Never throws. */
function refuse(socket: Duplex, error: ServerError): void {
  sendRawError(socket, error)
}

const badHandshake = (message: string) => new ServerError('INVALID_HANDSHAKE', message)
const HANDSHAKE_KEY = /^[+/0-9A-Za-z]{22}==$/

/** The checks ws makes before it upgrades, made first so every endpoint refuses in the wire shape. */
function checkHandshake(req: IncomingMessage): void {
  if (req.method !== 'GET')
    throw new ServerError('METHOD_NOT_ALLOWED', `A WebSocket upgrade must be a GET, not ${req.method}`, { allowed: ['GET'] })
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') throw badHandshake('Only WebSocket upgrades are served: Upgrade: websocket')
  if (!HANDSHAKE_KEY.test(req.headers['sec-websocket-key'] ?? ''))
    throw badHandshake('Sec-WebSocket-Key is missing or not 16 bytes in base64')
  const version = req.headers['sec-websocket-version']
  if (version !== '13' && version !== '8') throw badHandshake('Sec-WebSocket-Version must be 13')
}

/** The handshake failures ws finds itself (e.g. a malformed Sec-WebSocket-Protocol), in the
 * wire shape instead of ws's plain text. */
export function refuseHandshakeErrorsAsJson(wss: WebSocketServer): void {
  wss.on('wsClientError', (err: Error, socket: Duplex) => refuse(socket, badHandshake(`WebSocket handshake refused: ${err.message}`)))
}

function sessionFor(path: string, options: ConnectionOptions): Session {
  if (path === '/ws') return options.sessions.get(DEFAULT_SESSION_ID)
  const match = /^\/sessions\/([^/]+)\/ws$/.exec(path)
  if (!match) throw new ServerError('NOT_FOUND', `No WebSocket endpoint at ${path}`)
  return options.sessions.get(decodeComponent(match[1]!, 'path'))
}

/** Another WebSocket endpoint (e.g. /files/watch, /sessions/:id/files/watch). It upgrades the
 * socket itself, or rejects with a ServerError that is sent as the HTTP error. */
export interface UpgradeRoute {
  /** Whether it serves this (still percent-encoded) path. */
  matches(pathname: string): boolean
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
  refuseHandshakeErrorsAsJson(wss)
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands over the socket without an error listener: a reset must not end the process.
    socket.on('error', () => socket.destroy())
    let where = 'WebSocket upgrade'
    const fail = (err: unknown) => refuse(socket, logged(err, options.logger, where))
    try {
      const tokenLabel = options.auth.check(nodeCredentials(req))
      checkHandshake(req)
      if (options.sessions.shuttingDown) throw new ServerError('SHUTTING_DOWN', 'The server is shutting down')
      const url = parseRequestTarget(req.url)
      where = `WebSocket upgrade ${url.pathname}`
      const route = routes.find((r) => r.matches(url.pathname))
      if (route) {
        route.upgrade(req, socket, head, url).catch(fail)
        return
      }
      const session = sessionFor(url.pathname, options)
      const after = parseCursor(url.searchParams.get('after'), options.log.lastSeq(session.id))
      const partial = parseFlag('partial', url.searchParams.get('partial'))
      // A token's label is authoritative; `?label=` only names clients of an open server.
      const label = tokenLabel ?? (url.searchParams.get('label')?.slice(0, 64) || undefined)
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          const actor = actorOf(tokenLabel, req.socket.remoteAddress)
          handleConnection(ws, session, { after, partial, label, actor }, options, socket)
        } catch (err) {
          // Upgraded already: no HTTP answer any more, so close as an internal error.
          logged(err, options.logger, where)
          ws.close(CLOSE_CODES.internal, 'INTERNAL')
        }
      })
    } catch (err) {
      fail(err)
    }
  })
  return wss
}
