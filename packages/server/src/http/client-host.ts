// The Host header the client sent. The HTTP server sets req.headers.host to a fixed name
// before routing (node-server.ts), so what must compare with the client's own host (the origin
// check of a create the cluster places, a forwarded request's X-Forwarded-Host) reads it here.
import type { IncomingMessage } from 'node:http'

export function clientHost(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'host') return raw[i + 1]
  return undefined
}
