// GET /health: liveness for load balancers and sandbox providers waiting for start-up.
import type { Route } from '../http/router.js'

/** `demo`: whether the default session answers from the offline demo model (a posted key ends it). */
export function healthRoutes(options: { demo: () => boolean }): Route[] {
  return [{ method: 'GET', path: '/health', handle: () => ({ body: { ok: true, demo: options.demo() } }) }]
}
