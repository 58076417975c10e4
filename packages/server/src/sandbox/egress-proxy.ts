// The sandbox's only general way out: an HTTP proxy (CONNECT tunnels and plain absolute-form
// requests) listening on a Unix socket on the host. It dials a destination only when the
// allow-list names it, and answers 403 with a plain reason otherwise.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { splitHostPort, type AllowList, type Destination } from './allow-list.js'
import { egressLookup, INTERNAL_ONLY, systemResolve, type Resolve } from './egress-lookup.js'
import { isInternalAddress } from './internal-address.js'
import { listenOnSocket, withoutHopByHop, type SocketServer } from './socket-server.js'

export interface EgressProxyOptions {
  /** Where to listen (a Unix socket path; removed first if present). */
  socketPath: string
  allow: AllowList
  /** Told about each refused destination (for the server log). */
  onDenied?: (destination: Destination) => void
  /** Told about a failure of the proxy itself. */
  onError?: (err: Error) => void
  /** Resolves destinations' names. @default the hosts file, then DNS, off the thread pool (name-resolver.ts) */
  resolve?: Resolve
}

/** Marks a refusal so that a client (or a test) can tell it from an upstream's own 403. */
export const DENIED_HEADER = 'x-sandbox-denied'

function internalMessage(destination: Destination, why: string): string {
  return (
    `Blocked by the claude-agent-server sandbox: ${destination.host}:${destination.port} ${why}; ` +
    'only an entry naming the host itself (not a wildcard) reaches the host or its networks (see SANDBOX_ALLOWED_HOSTS).\n'
  )
}

export function deniedMessage(destination: Destination, allow: AllowList): string {
  const allowed = allow.entries.length > 0 ? allow.entries.join(', ') : 'nothing'
  return (
    `Blocked by the claude-agent-server sandbox: ${destination.host}:${destination.port} is not an ` +
    `allowed destination (allowed: ${allowed}; see SANDBOX_ALLOWED_HOSTS).\n`
  )
}

/**
 * Starts the proxy. Connections are refused or relayed; nothing is cached or logged but refusals.
 *
 * @example
 * const proxy = startEgressProxy({ socketPath: '/run/x/egress.sock', allow: new AllowList(['api.anthropic.com:443']) })
 * // inside: HTTPS_PROXY=http://127.0.0.1:<port forwarded to the socket>
 * await proxy.close()
 */
export function startEgressProxy(options: EgressProxyOptions): SocketServer {
  // Long on purpose: the two relays (plain HTTP, CONNECT) share the allow list and the tunnel set; read together they show every way out.
  const { allow } = options
  const tunnels = new Set<Duplex>()

  const deny = (destination: Destination): string => {
    options.onDenied?.(destination)
    return deniedMessage(destination, allow)
  }
  const resolve = options.resolve ?? systemResolve
  /** How to reach an allowed destination, or why not: a wildcard's match reaches no internal
   *  address, whether named as one or resolved to one. */
  const route = (destination: Destination): { lookup: ReturnType<typeof egressLookup> } | { refused: string } => {
    const refuseInternal = !allow.namesExactly(destination)
    const literal = destination.host.replace(/^\[|\]$/g, '')
    if (refuseInternal && isIP(literal) && isInternalAddress(literal)) {
      options.onDenied?.(destination)
      return { refused: internalMessage(destination, 'is an internal address') }
    }
    return { lookup: egressLookup(resolve, refuseInternal) }
  }
  const refusedInternal = (destination: Destination, err: NodeJS.ErrnoException): string | undefined => {
    if (err.code !== INTERNAL_ONLY) return undefined
    options.onDenied?.(destination)
    return internalMessage(destination, 'resolves only to internal addresses')
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end("This is the sandbox's egress proxy: send absolute-form requests or CONNECT.\n")
      return
    }
    if (target.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`Unsupported scheme ${target.protocol}; use CONNECT for https.\n`)
      return
    }
    const destination = { host: target.hostname, port: Number(target.port || 80) }
    if (!allow.allows(destination)) {
      res.writeHead(403, { 'content-type': 'text/plain', [DENIED_HEADER]: '1' }).end(deny(destination))
      return
    }
    const way = route(destination)
    if ('refused' in way) {
      res.writeHead(403, { 'content-type': 'text/plain', [DENIED_HEADER]: '1' }).end(way.refused)
      return
    }
    const upstream = request(
      {
        host: destination.host.replace(/^\[|\]$/g, ''),
        lookup: way.lookup,
        port: destination.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        // The allowed host named in the request line, never another one a Host header names
        // (a virtual host behind the same address that the list does not allow).
        headers: { ...withoutHopByHop(req.headers), host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers))
        // An answer cut short must cut the client's too: pipe() would leave it waiting.
        answer.on('close', () => {
          if (!answer.complete) res.destroy()
        })
        answer.pipe(res)
      },
    )
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy()
      const internal = refusedInternal(destination, err)
      if (internal) return void res.writeHead(403, { 'content-type': 'text/plain', [DENIED_HEADER]: '1' }).end(internal)
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(`Sandbox proxy: ${destination.host}:${destination.port} failed: ${err.message}\n`)
    })
    // A client that went (before the answer, or in its body) takes the upstream request with it.
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const { host, port = 443 } = splitHostPort(req.url ?? '')
    // An entry without a port allows any: one out of range would make connect() throw.
    const valid = host !== '' && Number.isInteger(port) && port > 0 && port < 65536
    const destination = { host, port }
    tunnels.add(client)
    client.on('close', () => tunnels.delete(client))
    client.on('error', () => client.destroy())
    const refuse = (status: string, body: string) =>
      client.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\n${DENIED_HEADER}: 1\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      )
    if (!valid) return void refuse('400 Bad Request', 'Bad CONNECT target: use host:port, with a port from 1 to 65535\n')
    if (!allow.allows(destination)) return void refuse('403 Forbidden', deny(destination))
    const way = route(destination)
    if ('refused' in way) return void refuse('403 Forbidden', way.refused)
    const upstream: Socket = connect({ port: destination.port, host, lookup: way.lookup })
    tunnels.add(upstream)
    upstream.on('close', () => tunnels.delete(upstream))
    let established = false
    upstream.once('connect', () => {
      established = true
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', (err) => {
      const internal = established ? undefined : refusedInternal(destination, err)
      if (internal) refuse('403 Forbidden', internal)
      else if (!established) client.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${err.message}\n`)
      else client.destroy()
    })
    client.on('close', () => upstream.destroy())
  })

  return listenOnSocket(server, options.socketPath, tunnels, options.onError ?? (() => {}))
}
