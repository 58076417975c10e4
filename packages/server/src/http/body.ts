// Reading a JSON request body with a size limit, so an oversized or broken body is a typed
// 4xx, never a crash or an unbounded buffer.
import type { IncomingMessage } from 'node:http'
import { ServerError } from '../errors.js'

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume()
    throw new ServerError('BODY_TOO_LARGE', `Body is ${declared} bytes; the limit is ${maxBytes}`, { limit: maxBytes })
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) {
      req.resume()
      throw new ServerError('BODY_TOO_LARGE', `Body exceeds the limit of ${maxBytes} bytes`, { limit: maxBytes })
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new ServerError('BAD_JSON', 'Body is empty; expected a JSON object')
  try {
    return JSON.parse(text)
  } catch {
    throw new ServerError('BAD_JSON', 'Body is not valid JSON')
  }
}
