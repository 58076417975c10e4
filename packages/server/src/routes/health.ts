// GET /health: liveness for load balancers and sandbox providers waiting for start-up.
// GET /openapi.json: the HTTP API, generated from the protocol's schemas.
import { openApiDocument, type HealthResponse } from '@claude-agent/protocol'
import type { RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'

/** `demo`: whether the default session answers from the offline demo model (a posted key ends it). */
export function healthRoutes(options: { demo: () => boolean }): RouteModule {
  let document: Record<string, unknown> | undefined
  return (app) => {
    app.get('/health', () => jsonResponse<HealthResponse>({ ok: true, demo: options.demo() }))
    app.get('/openapi.json', () => jsonResponse((document ??= openApiDocument())))
  }
}
