// A port of its own (METRICS_PORT, on METRICS_HOST, loopback by default), without the API's
// auth, for callers on a private network that should hold no API token: a Prometheus scraper
// (`/metrics`) and an orchestrator's probes (`/ready`, `/live`, e.g. the kubelet). Nothing
// else is served here: no session, no config, no check's detail (the authenticated `/ready`
// on the API port has those).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ReadyResponse } from '@claude-agent/protocol'
import { metricsContentType, metricsText } from './metrics.js'

export interface MetricsServer {
  readonly port: number
  close(): Promise<void>
}

export interface MetricsServerOptions {
  /** @default 127.0.0.1 */
  host?: string
  /** The readiness checks `/ready` runs; without them `/ready` is not served here. */
  ready?: () => Promise<ReadyResponse>
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

/** The checks' names and outcomes only: a detail may name a path or a host. */
function withoutDetail(result: ReadyResponse): ReadyResponse {
  const checks = Object.fromEntries(Object.entries(result.checks).map(([name, check]) => [name, { ok: check.ok }]))
  return { ok: result.ok, checks }
}

function answer(res: ServerResponse, work: Promise<{ status: number; headers: Record<string, string>; body: string }>) {
  work.then(
    ({ status, headers, body }) => res.writeHead(status, headers).end(body),
    () => res.writeHead(500, TEXT).end('probe failed\n'),
  )
}

function handler(options: MetricsServerOptions) {
  const { ready } = options
  const served = ready ? 'GET /metrics, /ready and /live' : 'GET /metrics'
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method === 'GET' && path === '/metrics') {
      answer(
        res,
        metricsText().then((body) => ({ status: 200, headers: { ...TEXT, 'content-type': metricsContentType }, body })),
      )
    } else if (req.method === 'GET' && path === '/ready' && ready) {
      answer(
        res,
        ready().then((result) => ({ status: result.ok ? 200 : 503, headers: JSON_TYPE, body: JSON.stringify(withoutDetail(result)) })),
      )
    } else if (req.method === 'GET' && path === '/live' && ready) {
      // The event loop answers: the process is not wedged. Nothing else is asked, so a failing
      // dependency makes the pod unready, never restarted.
      res.writeHead(200, JSON_TYPE).end('{"ok":true}')
    } else {
      res.writeHead(404, TEXT).end(`Only ${served} are served here\n`)
    }
  }
}

export async function startMetricsServer(port: number, options: MetricsServerOptions = {}): Promise<MetricsServer> {
  const server: Server = createServer(handler(options))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, options.host ?? '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
