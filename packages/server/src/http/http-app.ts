// The HTTP API on Hono: authentication first, then the strict request-target check, then the
// routes. Every failure is an answer in the wire error shape: unknown paths NOT_FOUND, known
// paths with another method METHOD_NOT_ALLOWED. Tests drive it in process with `app.request()`.
import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { LiveSocket } from '../tenancy/live-sockets.js'
import type { Principal } from '../tenancy/principal.js'
import type { Authenticator } from './auth.js'
import { parseRequestTarget } from './request-target.js'
import { requestIds } from './request-id.js'
import { errorResponse, logged } from './respond.js'
import { originGuard, type OriginPolicy } from './origin-guard.js'
import { staticSiteMiddleware, type StaticSite } from './static-site.js'

export interface HttpEnv {
  /** On Node, the raw request and response; absent under `app.request()`. */
  Bindings: Partial<HttpBindings>
  /** `principal`: who the request acts as; `tokenLabel`: its id when a credential named it;
   * `live`: the request as tracked for revocation (tenancy/live-requests.ts). */
  Variables: { principal: Principal; tokenLabel: string | undefined; requestId: string; log: Logger; live: LiveSocket | undefined }
}
export type HttpApp = Hono<HttpEnv>
/** A group of routes (sessions, files, ...) adds itself to the app. */
export type RouteModule = (app: HttpApp) => void

export interface HttpAppOptions {
  auth: Authenticator
  logger: Logger
  routes: RouteModule[]
  /** Authorizes the principal for the route (tenancy/http-gate.ts); throws SESSION_NOT_FOUND or FORBIDDEN. */
  gate?: (c: Context<HttpEnv>) => void
  /** Tracks the authorized request until its answer is done, so revoking its token cuts it. */
  track?: (c: Context<HttpEnv>) => void
  /** The web console's files, served at `/` before authentication (they hold no data). */
  site?: StaticSite
  /** Which web pages may use the API (origin-guard.ts); checked before anything else. */
  origins?: OriginPolicy
}

/** `:name` segments match any non-empty segment. */
function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/')
  const got = path.split('/')
  return want.length === got.length && want.every((w, i) => (w.startsWith(':') ? got[i] !== '' : w === got[i]))
}

/** The methods the app serves at `path` (none: the path is unknown). */
export function allowedMethods(app: HttpApp, path: string): string[] {
  const methods = app.routes.filter((r) => r.method !== 'ALL' && matches(r.path, path)).map((r) => r.method)
  return [...new Set(methods)]
}

function notServed(app: HttpApp, method: string, path: string): ServerError {
  const allowed = allowedMethods(app, path)
  if (allowed.length === 0) return new ServerError('NOT_FOUND', `No route for ${path}`)
  return new ServerError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, { allowed })
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app = new Hono<HttpEnv>()
  app.use(requestIds(options.logger))
  if (options.origins) for (const middleware of originGuard(options.origins)) app.use(middleware)
  if (options.site) app.use(staticSiteMiddleware(options.site))
  app.use(async (c, next) => {
    const principal = await options.auth.authenticate({ header: (name) => c.req.header(name), target: c.req.url })
    c.set('principal', principal)
    c.set('tokenLabel', options.auth.enabled ? principal.id : undefined)
    // Hono decodes leniently: a malformed escape must be a 400, not a silently different path.
    parseRequestTarget(c.req.url)
    // Hono would answer HEAD from the GET route; this server serves no HEAD.
    if (c.req.method === 'HEAD') throw notServed(app, 'HEAD', c.req.path)
    // Only routes that are served: the others answer NOT_FOUND or METHOD_NOT_ALLOWED.
    if (allowedMethods(app, c.req.path).includes(c.req.method)) options.gate?.(c)
    options.track?.(c)
    await next()
  })
  for (const add of options.routes) add(app)
  app.notFound((c) => errorResponse(notServed(app, c.req.method, c.req.path)))
  // The path only: the query may hold a token.
  app.onError((err, c) => errorResponse(logged(err, c.get('log') ?? options.logger, `HTTP ${c.req.method} ${c.req.path}`)))
  return app
}
