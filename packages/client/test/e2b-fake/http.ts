// Small HTTP helpers the fake's two faces (control plane, envd) share.
import type { IncomingMessage, ServerResponse } from 'node:http'

export async function readBody(request: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(request)).toString('utf8')
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** E2B's error body: `{ code, message }`. */
export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { code: status, message })
}

export function sendEmpty(response: ServerResponse, status = 204): void {
  response.writeHead(status)
  response.end()
}
