// A scripted WebSocket peer on a real port, for connection behaviour the real server never shows
// on demand (duplicate replays, refused reconnects, close codes). Each test plays the server.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export interface FakeConnection {
  socket: WebSocket
  url: URL
  /** Frames the client sent, parsed. */
  received: Array<{ type: string; data?: { uuid?: string } }>
  send(frame: unknown): void
}

export interface FakeServer {
  url: string
  connections: FakeConnection[]
  /** When set, upgrades are answered with this HTTP error instead. */
  refuse?: { status: number; body: unknown }
  /** Called for every accepted connection. */
  onConnection: (connection: FakeConnection) => void
  /** Resolves with the next accepted connection. */
  nextConnection(): Promise<FakeConnection>
  close(): Promise<void>
}

export async function startFakeServer(): Promise<FakeServer> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ noServer: true })
  const waiters: Array<(c: FakeConnection) => void> = []
  const fake: FakeServer = {
    url: '',
    connections: [],
    onConnection: () => {},
    nextConnection: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      for (const client of wss.clients) client.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
  http.on('upgrade', (req, socket, head) => {
    if (fake.refuse) {
      const text = JSON.stringify(fake.refuse.body)
      const head = `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close`
      socket.end(`HTTP/1.1 ${fake.refuse.status} Refused\r\n${head}\r\n\r\n${text}`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: FakeConnection = {
        socket: ws,
        url: new URL(req.url ?? '/', 'http://fake'),
        received: [],
        send: (frame) => ws.send(JSON.stringify(frame)),
      }
      ws.on('message', (data) => connection.received.push(JSON.parse(String(data))))
      fake.connections.push(connection)
      fake.onConnection(connection)
      for (const w of waiters.splice(0)) w(connection)
    })
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  fake.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return fake
}
