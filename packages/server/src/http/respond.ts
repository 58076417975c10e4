// Writing JSON responses, including errors in the one wire error shape, on a response or,
// outside a handler (parser errors, refused upgrades, CONNECT), on the raw socket.
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { describeError, toServerError, type ServerError } from '../errors.js'
import type { Logger } from '../logger.js'

const INTERNAL_BODY = JSON.stringify({ error: 'Internal server error', code: 'INTERNAL' })

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
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
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
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
  if (error.code === 'INTERNAL') {
    try {
      logger.error(`${context}: ${describeError(err)}`)
    } catch {
      // a logger that throws must not take the answer with it
    }
  }
  return error
}

/** An HTTP error response written straight to a socket (no ServerResponse there), then closed.
 * Never throws. */
export function sendRawError(socket: Duplex, err: ServerError, headers: Record<string, string> = {}): void {
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
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ]
    socket.once('finish', () => socket.destroy())
    socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`)
  } catch {
    socket.destroy()
  }
}
