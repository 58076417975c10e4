// JSON request bodies: Hono's body limit (an oversized body is BODY_TOO_LARGE, never an
// unbounded buffer), then a parse that answers BAD_JSON.
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ServerError } from '../errors.js'

/** Refuses a body over `maxBytes`, by its Content-Length or as it streams in. */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ServerError('BODY_TOO_LARGE', `Body exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes })
    },
  })
}

export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') throw new ServerError('BAD_JSON', 'Body is empty; expected a JSON object')
  try {
    return JSON.parse(text)
  } catch {
    throw new ServerError('BAD_JSON', 'Body is not valid JSON')
  }
}
