// The baseline relay: a plain `ws` server with no logic, run as its own process like the real
// server. /echo sends each frame back; /fanout?role=source|sink broadcasts every frame a source
// sends to all sinks; /blast?from=N sends the lines after the first N of the JSONL file given as argv[2] to each client.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

const blastFrames = process.argv[2] ? readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean) : []
/** The same backpressure the real server applies while replaying: wait above half of 4 MiB. */
const HIGH_WATER = 2 * 1024 * 1024

async function blast(socket: WebSocket, from: number): Promise<void> {
  for (const frame of blastFrames.slice(from)) {
    if (socket.readyState !== socket.OPEN) return
    socket.send(frame)
    while (socket.bufferedAmount > HIGH_WATER && socket.readyState === socket.OPEN) await new Promise((r) => setTimeout(r, 1))
  }
}

const http = createServer((_req, res) => res.writeHead(404).end())
const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
const sinks = new Set<WebSocket>()
wss.on('connection', (socket, req) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  socket.on('error', () => undefined)
  if (url.pathname === '/echo') {
    socket.on('message', (data, binary) => socket.send(data, { binary }))
  } else if (url.pathname === '/fanout' && url.searchParams.get('role') === 'sink') {
    sinks.add(socket)
    socket.on('close', () => sinks.delete(socket))
  } else if (url.pathname === '/fanout') {
    socket.on('message', (data, binary) => {
      for (const sink of sinks) sink.send(data, { binary })
    })
  } else if (url.pathname === '/blast') {
    void blast(socket, Number(url.searchParams.get('from') ?? 0))
  } else socket.close(4404)
})
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo
  process.stdout.write(`listening ${port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
