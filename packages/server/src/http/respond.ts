// Writing JSON responses, including errors in the one wire error shape.
import type { ServerResponse } from 'node:http'
import type { ServerError } from '../errors.js'

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

export function sendError(res: ServerResponse, err: ServerError): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, err.status, err.toWire())
}
