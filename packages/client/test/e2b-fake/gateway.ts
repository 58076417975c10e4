// E2B's edge for sandbox ports: `https://<port>-<sandboxId>.<domain>` reaches that port inside
// the sandbox. Here one loopback server (HTTPS given a certificate, else HTTP) routes by the Host
// header to the host port standing for the sandbox's port; WebSocket upgrades are piped through.
// A sandbox that is not running, or a port nothing listens on, gets E2B's 502.
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { sendError } from './http.js'
import type { FakeState } from './state.js'

export interface GatewayTls {
  key: string | Buffer
  cert: string | Buffer
}

export function startGateway(state: FakeState, tls?: GatewayTls): { server: http.Server; close(): void } {
  const tunnels = new Set<net.Socket>()
  const target = (host: string | undefined): number | undefined => {
    const [, port, id] = /^(\d+)-([^.]+)\./.exec(host ?? '') ?? []
    const sandbox = state.sandboxes.get(id ?? '')
    return sandbox?.state === 'running' ? sandbox.hostPort(Number(port)) : undefined
  }
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const port = target(request.headers.host)
    if (port === undefined) return sendError(response, 502, `The sandbox for ${request.headers.host} was not found`)
    const upstream = http.request(
      { host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => (response.headersSent ? response.destroy() : sendError(response, 502, 'The port is not open')))
    request.pipe(upstream)
  }
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest)
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const port = target(request.headers.host)
    if (port === undefined) return void socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n')
    const upstream = net.connect(port, '127.0.0.1', () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`]
      for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    for (const end of [socket, upstream]) {
      tunnels.add(end)
      end.on('close', () => tunnels.delete(end))
    }
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
  })
  return {
    server,
    close() {
      for (const socket of tunnels) socket.destroy()
    },
  }
}
