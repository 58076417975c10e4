// GET /health: liveness for load balancers and sandbox providers waiting for start-up.
import type { Route } from '../http/router.js'

export function healthRoutes(options: { demo: boolean }): Route[] {
  return [{ method: 'GET', path: '/health', handle: () => ({ body: { ok: true, demo: options.demo } }) }]
}
