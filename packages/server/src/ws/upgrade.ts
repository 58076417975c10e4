// Accepts WebSocket upgrades on /ws (the default session) and refuses every other path.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { Logger } from '../logger.js'
import type { SessionManager } from '../sessions/session-manager.js'
import { handleConnection } from './connection.js'

export interface UpgradeOptions {
  sessions: SessionManager
  maxFrameBytes: number
  demo: boolean
  logger: Logger
}

function refuse(socket: Duplex, status: number, reason: string, body: object): void {
  const text = JSON.stringify(body)
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  )
}

export function attachWebSockets(server: Server, options: UpgradeOptions): WebSocketServer {
  // A hard cap well above the soft limit: frames between the two get a FRAME_TOO_LARGE
  // error frame and the connection lives on; only absurd frames close it (code 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes * 4 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/ws') {
      refuse(socket, 404, 'Not Found', { error: `No WebSocket endpoint at ${url.pathname}`, code: 'NOT_FOUND' })
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      handleConnection(ws, options.sessions.defaultSession, options)
    })
  })
  return wss
}
