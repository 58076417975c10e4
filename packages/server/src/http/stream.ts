// A Node stream as the body of an answer (file content, exec's NDJSON). If the client goes
// away first, the stream is destroyed, so its owner sees `close` and can stop the work behind
// it. A stream that fails midway cannot become an error body any more: the connection is cut.
import type { Readable } from 'node:stream'
import type { Context } from 'hono'
import type { Logger } from '../logger.js'
import type { HttpEnv } from './http-app.js'

export function streamResponse(
  c: Context<HttpEnv>,
  stream: Readable,
  headers: Record<string, string>,
  logger: Logger,
  status = 200,
): Response {
  const where = `HTTP ${c.req.method} ${c.req.path}`
  const log = c.get('log') ?? logger
  // Once the answer is cancelled (the client went, or its access ended and the connection was
  // cut) the controller takes nothing more: a late chunk, end or error is the stream's alone.
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream.on('data', (chunk: Buffer) => {
        if (cancelled) return
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length))
        if ((controller.desiredSize ?? 1) <= 0) stream.pause()
      })
      stream.once('end', () => cancelled || controller.close())
      stream.once('error', (err) => {
        log.debug(`${where}: stream ended early: ${String(err)}`)
        if (cancelled) return
        // On Node, cut the connection ourselves: an errored body would be printed by the adapter.
        const outgoing = c.env?.outgoing
        if (outgoing) {
          outgoing.destroy()
          controller.close()
        } else controller.error(err)
      })
    },
    pull: () => void stream.resume(),
    cancel: () => {
      cancelled = true
      stream.destroy()
    },
  })
  return new Response(body, { status, headers: { 'cache-control': 'no-store', ...headers } })
}
