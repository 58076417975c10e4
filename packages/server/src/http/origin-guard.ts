// Browsers on other sites. A web page can open a WebSocket to any address and send simple
// POSTs anywhere; only the `Origin` header says it came from another site. Such a request is
// refused (ORIGIN_NOT_ALLOWED) unless its origin is this server's own or listed in
// ALLOWED_ORIGINS (which also get CORS answers, so a web app elsewhere can use the API). An
// open server (no token, loopback only) also refuses a Host that is no loopback name: a page
// whose domain was re-pointed at 127.0.0.1 (DNS rebinding) would otherwise be same-origin.
import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { ServerError } from '../errors.js'

export interface OriginPolicy {
  /** Origins (`https://app.example.com`) allowed besides the server's own; `*`: any. */
  allowedOrigins: readonly string[]
  /** No credential is required: only loopback host names are served. */
  open: boolean
}

const refused = (message: string, data: Record<string, unknown>) => new ServerError('ORIGIN_NOT_ALLOWED', message, data)

/** The name of a Host header value, without its port (`[::1]:3000` -> `::1`). */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(host)
  if (bracketed) return bracketed[1]!.toLowerCase()
  return host.replace(/:\d*$/, '').toLowerCase()
}

const isLoopbackName = (name: string) =>
  name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name)

/** Whether `origin` (an Origin header) names the host the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false
  try {
    return new URL(origin).host === new URL(`http://${host}`).host
  } catch {
    return false
  }
}

/** Throws ORIGIN_NOT_ALLOWED for a request this policy refuses; `headers` as Node has them. */
export interface OriginHeaders {
  origin?: string | undefined
  host?: string | undefined
  'x-forwarded-host'?: string | string[] | undefined
}

export function checkOrigin(headers: OriginHeaders, policy: OriginPolicy): void {
  const { origin, host } = headers
  // A proxy in front may name the public host here; a page cannot set it (not on a
  // WebSocket, not on a request that skips the CORS preflight).
  const forwardedHeader = headers['x-forwarded-host']
  const forwarded = (Array.isArray(forwardedHeader) ? forwardedHeader[0] : forwardedHeader)?.split(',')[0]?.trim()
  if (policy.open && host !== undefined && !isLoopbackName(hostName(host))) {
    throw refused(
      `This server requires no token, so it answers only to loopback host names, not "${host.slice(0, 100)}" ` +
        '(a web page could reach it by re-pointing its own domain); set AUTH_TOKENS to serve other names',
      { host: host.slice(0, 100) },
    )
  }
  if (origin === undefined || policy.allowedOrigins.includes('*') || policy.allowedOrigins.includes(origin)) return
  if (origin !== 'null' && (sameHost(origin, host) || sameHost(origin, forwarded))) return
  throw refused(`Requests from web pages on ${origin.slice(0, 100)} are not allowed; list the origin in ALLOWED_ORIGINS to allow them`, {
    origin: origin.slice(0, 100),
  })
}

/** The guard for the HTTP API, then CORS answers (preflights included) for the allowed origins. */
export function originGuard(policy: OriginPolicy): MiddlewareHandler[] {
  const guard: MiddlewareHandler = async (c, next) => {
    checkOrigin(
      { origin: c.req.header('origin'), host: c.req.header('host'), 'x-forwarded-host': c.req.header('x-forwarded-host') },
      policy,
    )
    await next()
  }
  if (policy.allowedOrigins.length === 0) return [guard]
  const any = policy.allowedOrigins.includes('*')
  return [
    guard,
    cors({
      origin: (origin) => (any || policy.allowedOrigins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposeHeaders: ['x-request-id'],
      maxAge: 600,
    }),
  ]
}
