// `/metrics` on a port of its own (METRICS_PORT, on METRICS_HOST, loopback by default), without
// the API's auth: for a scraper on a private network that should hold no API token.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { metricsContentType, metricsText } from './metrics.js'

export interface MetricsServer {
  readonly port: number
  close(): Promise<void>
}

export async function startMetricsServer(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here\n')
      return
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n'),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
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
