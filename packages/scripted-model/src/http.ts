// Small node:http helpers shared by the routes: body reading, JSON and Anthropic-shaped errors,
// and an abortable wait (a client that hangs up must not keep a slow reply running).
import { setTimeout as delay } from 'node:timers/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { newId } from './reply.js'

/** Conversations carry the whole history; 32 MB is far beyond a real CLI request. */
const MAX_BODY_BYTES = 32 * 1024 * 1024

/** Reads the whole request body as text; rejects with 'too_large' past the limit. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) throw new Error('too_large')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': newId('req_01'),
  })
  res.end(text)
}

/** An error in the Anthropic API shape, which the CLI's SDK client parses. */
export function sendApiError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } })
}

/** Waits `ms`; resolves false instead of throwing when the signal aborts first. */
export async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  if (ms <= 0) return true
  try {
    await delay(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}
