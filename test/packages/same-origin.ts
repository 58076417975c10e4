// A loopback web server for the Chromium test: it serves the page and its bundle, and passes
// every other request (HTTP and WebSocket upgrades) to the claude-agent-server, so the page
// and the server share one origin (the server sends no CORS headers).
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'

export interface SameOrigin {
  url: string
  close(): Promise<void>
}

export async function serveSameOrigin(files: Record<string, { type: string; body: string }>, serverPort: number): Promise<SameOrigin> {
  const sockets = new Set<net.Socket>()
  const server = http.createServer((request, response) => {
    const file = files[request.url ?? '']
    if (file) {
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' })
      response.end(file.body)
      return
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: serverPort, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  // An upgrade is passed on byte for byte: the request head as it came, then both directions.
  server.on('upgrade', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const upstream = net.connect(serverPort, '127.0.0.1', () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`]
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) upstream.write(head)
      client.pipe(upstream).pipe(client)
    })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => (socket === client ? upstream : client).destroy())
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
