// Each HTTP request gets an id: the caller's `X-Request-Id` when it is a short plain token (so a
// proxy's id follows the request through), else a fresh one. It is echoed in the answer, and
// every line logged for the request carries it (`c.get('log')`), the access line included.
import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../logger.js'
import type { HttpEnv } from './http-app.js'

export const REQUEST_ID_HEADER = 'X-Request-Id'
/** Letters, digits and `._:-`, at most 128: nothing that could forge a log line or a header. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export const requestIdFrom = (header: string | undefined): string => (header !== undefined && SANE_ID.test(header) ? header : randomUUID())

/** Probes polled every few seconds: logged at debug, not info. */
const PROBES = new Set(['/health', '/ready', '/metrics'])

export function requestIds(logger: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER))
    const log = logger.child({ requestId })
    c.set('requestId', requestId)
    c.set('log', log)
    const started = performance.now()
    await next()
    c.res.headers.set(REQUEST_ID_HEADER, requestId)
    // The path only: the query may hold a token.
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }
    log[PROBES.has(c.req.path) ? 'debug' : 'info']('HTTP request', fields)
  }
}
