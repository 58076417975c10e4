// GET /ready: readiness for load balancers and orchestrators (readiness.ts), 503 naming the
// failing check. GET /metrics: Prometheus metrics, here behind the API's auth unless a
// separate metrics port serves them (metrics/metrics-server.ts).
import type { ReadyResponse } from '@claude-agent/protocol'
import type { RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import { metricsContentType, metricsText } from '../metrics/metrics.js'

export function readyRoutes(check: () => Promise<ReadyResponse>): RouteModule {
  return (app) => {
    app.get('/ready', async () => {
      const result = await check()
      return jsonResponse<ReadyResponse>(result, result.ok ? 200 : 503)
    })
  }
}

export async function metricsResponse(): Promise<Response> {
  return new Response(await metricsText(), { headers: { 'content-type': metricsContentType, 'cache-control': 'no-store' } })
}

export function metricsRoutes(): RouteModule {
  return (app) => {
    app.get('/metrics', () => metricsResponse())
  }
}
