// JSON answers, and errors in the one wire error shape: as a fetch Response (Hono), on a Node
// response (the top-level guard) or, outside a handler (parser errors, refused upgrades,
// CONNECT), on the raw socket.
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { describeError, toServerError, type ServerError } from '../errors.js'
import type { Logger } from '../logger.js'

const INTERNAL_BODY = JSON.stringify({ error: 'Internal server error', code: 'INTERNAL' })
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

/** A JSON answer; `body` is typed by the caller with the protocol's response type. */
export function jsonResponse<T>(body: T, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS })
}

/** The headers an error asks for: how to authenticate, which methods are allowed. */
export function errorHeaders(err: ServerError): Record<string, string> {
  if (err.code === 'UNAUTHORIZED') return { 'www-authenticate': 'Bearer' }
  if (err.code === 'INVALID_HANDSHAKE') return { 'sec-websocket-version': '13' }
  const allowed = (err.data as { allowed?: unknown } | undefined)?.allowed
  if (err.code === 'METHOD_NOT_ALLOWED' && Array.isArray(allowed)) return { allow: allowed.join(', ') }
  return {}
}

/** An error as an answer in the wire shape. */
export function errorResponse(err: ServerError): Response {
  const text = wireText(err)
  return new Response(text, { status: text === INTERNAL_BODY ? 500 : err.status, headers: { ...JSON_HEADERS, ...errorHeaders(err) } })
}

/** The error's wire body; INTERNAL's if its data cannot be serialised. */
function wireText(err: ServerError): string {
  try {
    return JSON.stringify(err.toWire())
  } catch {
    return INTERNAL_BODY
  }
}

/** Never throws: a response that cannot take the error any more is destroyed. */
export function sendError(res: ServerResponse, err: ServerError): void {
  try {
    if (res.headersSent) {
      res.destroy()
      return
    }
    const text = wireText(err)
    res.writeHead(text === INTERNAL_BODY ? 500 : err.status, {
      ...JSON_HEADERS,
      ...errorHeaders(err),
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  } catch {
    res.destroy()
  }
}

/** Any failure as a typed answer: unknown errors become INTERNAL, logged once with `context`. */
export function sendFailure(res: ServerResponse, err: unknown, logger: Logger, context: string): void {
  sendError(res, logged(err, logger, context))
}

/** The ServerError for a failure; an unknown one is logged (once, here) and becomes INTERNAL. */
export function logged(err: unknown, logger: Logger, context: string): ServerError {
  const error = toServerError(err)
  try {
    if (error.code === 'INTERNAL') logger.error(`${context}: ${describeError(err)}`)
    // A typed 5xx with a cause (the database unavailable): the client is told to retry, the
    // operator what failed.
    else if (error.status >= 500 && error.cause instanceof Error) logger.warn(`${context}: ${error.message}: ${error.cause.message}`)
  } catch {
    // a logger that throws must not take the answer with it
  }
  return error
}

/** An HTTP error response written straight to a socket (no ServerResponse there), then closed.
 * Never throws. */
export function sendRawError(socket: Duplex, err: ServerError): void {
  try {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const text = wireText(err)
    const status = text === INTERNAL_BODY ? 500 : err.status
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? err.code}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(text)}`,
      'cache-control: no-store',
      'connection: close',
      ...Object.entries(errorHeaders(err)).map(([name, value]) => `${name}: ${value}`),
    ]
    socket.once('finish', () => socket.destroy())
    socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`)
  } catch {
    socket.destroy()
  }
}
