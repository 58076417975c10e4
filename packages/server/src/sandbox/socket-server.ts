// What the two host-side proxies share: listening on a Unix socket (bound before listen()
// returns, so a sandbox can be spawned right away) and a close that also ends open tunnels.
import { rmSync } from 'node:fs'
import type { IncomingHttpHeaders, OutgoingHttpHeaders, Server } from 'node:http'
import type { Duplex } from 'node:stream'

export interface SocketServer {
  readonly socketPath: string
  /** Stops listening, ends every open connection and removes the socket file. */
  close(): Promise<void>
}

/** Headers that describe one hop, not the message; a proxy must not forward them. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
])

export function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  return out
}

/** Connections one run's server (its gateway, its egress proxy) holds open at most. Each is a
 * descriptor of the server process, which every session shares: a sandbox that opens
 * thousands must not take them all. The CLI and its tools need a few dozen. */
export const MAX_RUN_CONNECTIONS = 256

/**
 * Closes at once each connection `server` is given past MAX_RUN_CONNECTIONS open, whether it
 * accepted it or was handed it (`emit('connection')`); says so once per flood.
 */
export function capConnections(server: Server, onError: (err: Error) => void): void {
  const open = new Set<Duplex>()
  let warned = false
  server.on('connection', (socket: Duplex) => {
    if (open.size >= MAX_RUN_CONNECTIONS) {
      socket.destroy()
      if (!warned) onError(new Error(`a sandbox holds ${MAX_RUN_CONNECTIONS} connections open: closing the ones past that`))
      warned = true
      return
    }
    open.add(socket)
    socket.once('close', () => {
      open.delete(socket)
      if (open.size < MAX_RUN_CONNECTIONS / 2) warned = false
    })
  })
}

/**
 * Listens on `socketPath`, capping the connections open (capConnections). Node binds a Unix socket synchronously inside listen(); a later
 * error (there is none we know of once bound) goes to `onError` rather than crashing the server.
 */
export function listenOnSocket(server: Server, socketPath: string, tunnels: Set<Duplex>, onError: (err: Error) => void): SocketServer {
  rmSync(socketPath, { force: true })
  server.on('error', onError)
  capConnections(server, onError)
  server.listen(socketPath)
  let closed: Promise<void> | undefined
  return {
    socketPath,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const tunnel of tunnels) tunnel.destroy()
      }).then(() => rmSync(socketPath, { force: true }))),
  }
}
