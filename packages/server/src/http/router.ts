// A minimal router: exact segments and `:param` segments. Every failure becomes the wire
// error shape; unknown paths are NOT_FOUND, known paths with another method METHOD_NOT_ALLOWED.
// A handler answers JSON, or a stream of raw bytes (file content, NDJSON) piped to the client.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { decodeComponent, parseRequestTarget } from './request-target.js'
import { sendFailure, sendJson } from './respond.js'

export interface RouteRequest {
  req: IncomingMessage
  url: URL
  params: Record<string, string>
}
export interface JsonResult {
  status?: number
  body: unknown
}
/** A raw answer: the headers, then the stream's bytes. If the client goes away first, the
 * stream is destroyed (its owner sees `close` and can stop the work behind it). */
export interface StreamResult {
  status?: number
  headers: OutgoingHttpHeaders
  stream: Readable
}
export type RouteResult = JsonResult | StreamResult
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  handle(request: RouteRequest): Promise<RouteResult> | RouteResult
}

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? ''
    const g = got[i] ?? ''
    if (w.startsWith(':')) {
      if (g === '') return null
      params[w.slice(1)] = decodeComponent(g, 'path')
    } else if (w !== g) return null
  }
  return params
}

export function createRouter(routes: Route[], logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let where = `HTTP ${req.method}`
    try {
      const url = parseRequestTarget(req.url)
      where = `HTTP ${req.method} ${url.pathname}`
      const candidates = routes
        .map((route) => ({ route, params: match(route.path, url.pathname) }))
        .filter((c) => c.params !== null)
      if (candidates.length === 0) throw new ServerError('NOT_FOUND', `No route for ${url.pathname}`)
      const hit = candidates.find((c) => c.route.method === req.method)
      if (!hit) {
        const allowed = candidates.map((c) => c.route.method)
        res.setHeader('allow', allowed.join(', '))
        throw new ServerError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`, { allowed })
      }
      const result = await hit.route.handle({ req, url, params: hit.params ?? {} })
      if ('stream' in result) {
        res.writeHead(result.status ?? 200, { 'cache-control': 'no-store', ...result.headers })
        // A failure mid-stream cannot become an error body any more: pipeline destroys the response.
        await pipeline(result.stream, res).catch((err: unknown) => logger.debug(`HTTP ${req.method} ${url.pathname}: stream ended early: ${String(err)}`))
      } else sendJson(res, result.status ?? 200, result.body)
    } catch (err) {
      // The path only: the query may hold a token.
      sendFailure(res, err, logger, where)
    }
  }
}
