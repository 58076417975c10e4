// Answers for what never reaches a route: bytes Node's HTTP parser refuses (the server's
// `clientError` event) and CONNECT, in the wire error shape like every other answer.
import { maxHeaderSize, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { HTTP_METHODS } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { sendRawError } from './respond.js'

/** The routes' methods, for the Allow header of a refused CONNECT. */
const METHODS = [...HTTP_METHODS]

/** What the parser's error means for the client. Its raw bytes (which may hold a token) are
 * never echoed: only llhttp's fixed reason. */
export function parserError(err: NodeJS.ErrnoException & { reason?: unknown }, maxHeaderBytes: number): ServerError {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return new ServerError('HEADERS_TOO_LARGE', `The request headers are over the limit of ${maxHeaderBytes} bytes`, {
      limit: maxHeaderBytes,
    })
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ServerError('REQUEST_TIMEOUT', 'The request did not arrive in time')
  const reason = typeof err.reason === 'string' ? err.reason.slice(0, 120) : 'unreadable request'
  return new ServerError('MALFORMED_REQUEST', `The request is not valid HTTP/1.1: ${reason}`, { reason: err.code ?? 'unknown' })
}

/** Installs the `clientError` and `connect` handlers. Both never throw. */
export function answerOutsideRoutes(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A response under way on this socket cannot be followed by another: just close.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
      socket.destroy()
      return
    }
    logger.debug(`HTTP parser refused a request: ${err.code ?? 'unknown'}`)
    sendRawError(socket, parserError(err, maxHeaderSize))
  })
  server.on('connect', (_req, socket: Socket) => {
    // After `connect` Node leaves the socket without an error listener: a reset must not crash.
    socket.on('error', () => socket.destroy())
    sendRawError(
      socket,
      new ServerError('METHOD_NOT_ALLOWED', 'CONNECT is not supported: this server is not a proxy', { allowed: METHODS }),
    )
  })
}
