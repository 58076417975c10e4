// JSON request bodies: Hono's body limit (an oversized body is BODY_TOO_LARGE, never an
// unbounded buffer), then a parse that answers BAD_JSON.
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { jsonShapeProblem, MAX_JSON_DEPTH, PROTO_KEY_MESSAGE } from '@claude-agent/protocol'
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

/** The body as text; one cut off before its end (the client went, or its token was revoked
 * and the connection cut) is an INVALID_REQUEST, not an INTERNAL error logged with its stack. */
async function bodyText(c: Context): Promise<string> {
  try {
    return await c.req.text()
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err
    throw new ServerError('INVALID_REQUEST', 'The request body ended before it was complete', {
      issues: [{ path: '(body)', message: 'cut off' }],
    })
  }
}

export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await bodyText(c)
  if (text.trim() === '') throw new ServerError('BAD_JSON', 'Body is empty; expected a JSON object')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ServerError('BAD_JSON', 'Body is not valid JSON')
  }
  // As for frames: what is stored or stringified again must not overflow the stack, and no
  // entry may vanish on its way into a record.
  const problem = jsonShapeProblem(body, MAX_JSON_DEPTH)
  if (problem?.kind === 'depth') {
    throw new ServerError('INVALID_REQUEST', `Body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      issues: [{ path: '(root)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }],
    })
  }
  if (problem?.kind === 'proto-key') {
    throw new ServerError('INVALID_REQUEST', `Invalid body: ${problem.path}: ${PROTO_KEY_MESSAGE}`, {
      issues: [{ path: problem.path, message: PROTO_KEY_MESSAGE }],
    })
  }
  return body
}
