// Accepts WebSocket upgrades: /ws (the default session, the original protocol) and
// /sessions/:id/ws; `?after=N` replays the events after N first. Other modules add endpoints
// as UpgradeRoutes (/files/watch). Anything else is refused with an HTTP error in the wire
// error shape before the upgrade.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { WebSocketServer, type WebSocket } from 'ws'
import { actorOf } from '../audit/actor.js'
import { ServerError } from '../errors.js'
import { BEARER_SUBPROTOCOL, nodeCredentials } from '../http/auth.js'
import { checkOrigin } from '../http/origin-guard.js'
import { parseCursor, parseFlag } from '../http/query.js'
import { decodeComponent, parseRequestTarget } from '../http/request-target.js'
import { logged, sendRawError } from '../http/respond.js'
import type { Session } from '../sessions/session.js'
import { DEFAULT_SESSION_ID } from '../sessions/session-manager.js'
import { authorize } from '../tenancy/access.js'
import type { Principal } from '../tenancy/principal.js'
import { routeAccess } from '../tenancy/route-access.js'
import { checkSocketQuota } from '../tenancy/socket-quota.js'
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

/** The session a session socket attaches to, if the path is one: /ws or /sessions/:id/ws. */
function sessionIdFor(path: string): string | undefined {
  if (path === '/ws') return DEFAULT_SESSION_ID
  const match = /^\/sessions\/([^/]+)\/ws$/.exec(path)
  return match ? decodeComponent(match[1]!, 'path') : undefined
}

/** Authorizes the principal for the endpoint (tenancy/route-access.ts), as the HTTP gate does. */
function authorizeUpgrade(principal: Principal, path: string, options: ConnectionOptions): string | undefined {
  const access = routeAccess('GET', path)
  if (access.kind === 'server') {
    authorize(principal, access.action)
    return undefined
  }
  authorize(principal, access.action, options.sessions.get(access.sessionId))
  return access.sessionId
}

/** Access was taken away (token revoked or expired, reader removed): say so, then close. */
function disconnect(ws: WebSocket, reason: string): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'error', code: 'UNAUTHORIZED', error: `Disconnected: ${reason}` }))
  ws.close(CLOSE_CODES.revoked, 'REVOKED')
}

/** Another WebSocket endpoint (e.g. /files/watch, /sessions/:id/files/watch). It upgrades the
 * socket itself, or rejects with a ServerError that is sent as the HTTP error. */
export interface UpgradeRoute {
  /** Whether it serves this (still percent-encoded) path. */
  matches(pathname: string): boolean
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void>
}

/** In a cluster: takes the upgrades another node serves (cluster/forward.ts); false: serve here. */
export type UpgradeForward = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<boolean>

export function attachWebSockets(
  server: Server,
  options: ConnectionOptions,
  routes: UpgradeRoute[] = [],
  forward?: UpgradeForward,
): WebSocketServer {
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
    const accept = (principal: Principal) => {
      checkHandshake(req)
      if (options.sessions.shuttingDown) throw new ServerError('SHUTTING_DOWN', 'The server is shutting down')
      const url = parseRequestTarget(req.url)
      where = `WebSocket upgrade ${url.pathname}`
      const route = routes.find((r) => r.matches(url.pathname))
      const id = route ? undefined : sessionIdFor(url.pathname)
      if (!route && id === undefined) throw new ServerError('NOT_FOUND', `No WebSocket endpoint at ${url.pathname}`)
      const sessionId = authorizeUpgrade(principal, url.pathname, options)
      checkSocketQuota(options.live, principal, options.maxSocketsPerPrincipal)
      if (route) {
        // Its own socket: closed outright when its access goes.
        const remove = options.live.add({
          principal,
          ...(sessionId !== undefined && { sessionId }),
          socket: true,
          close: () => socket.destroy(),
        })
        socket.once('close', remove)
        route.upgrade(req, socket, head, url).catch(fail)
        return
      }
      attachSession(principal, options.sessions.get(id!), url)
    }
    const attachSession = (principal: Principal, session: Session, url: URL) => {
      const after = parseCursor(url.searchParams.get('after'), session.lastSeq)
      const partial = parseFlag('partial', url.searchParams.get('partial'))
      // A credential's principal is authoritative; `?label=` only names clients of an open server.
      const label = options.auth.enabled ? principal.id : url.searchParams.get('label')?.slice(0, 64) || undefined
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          const actor = actorOf(principal.id, req.socket.remoteAddress)
          const remove = options.live.add({ principal, sessionId: session.id, socket: true, close: (reason) => disconnect(ws, reason) })
          ws.once('close', remove)
          handleConnection(ws, session, { after, partial, label, principal, actor }, options, socket)
        } catch (err) {
          // Upgraded already: no HTTP answer any more, so close as an internal error.
          logged(err, options.logger, where)
          ws.close(CLOSE_CODES.internal, 'INTERNAL')
        }
      })
    }
    const serve = () =>
      options.auth.authenticate(nodeCredentials(req)).then((principal) => {
        try {
          accept(principal)
        } catch (err) {
          fail(err)
        }
      }, fail)
    try {
      // A web page on another site may open a WebSocket anywhere: only Origin tells.
      if (options.origins) checkOrigin(req.headers, options.origins)
    } catch (err) {
      return fail(err)
    }
    if (!forward) return void serve()
    forward(req, socket, head).then((forwarded) => void (forwarded || serve()), fail)
  })
  return wss
}
