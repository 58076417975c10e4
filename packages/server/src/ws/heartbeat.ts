// Finds peers that are gone without a word: a client whose network dropped (a laptop closed, a
// NAT that forgot the connection) never sends a FIN, so its socket would stay open for good:
// counted as a client, holding its principal's place (MAX_SOCKETS_PER_PRINCIPAL) and keeping
// the default session's CLI from being released. Every interval the server pings; a client
// that answered nothing (no pong, no frame) to the last ping is terminated.
// A ping goes out only when nothing waits to be sent: on a slow link a replay's data would queue
// ahead of it and its pong come late from a peer that is busy taking it. A peer with data
// waiting is judged by the slow-consumer bound (backpressure.ts) and by TCP's own retransmission
// timeout, which ends a connection whose sent data is never acknowledged.
import type { WebSocket } from 'ws'

/** Pings `socket` every `intervalMs` (0: never) until it closes; terminates it when a ping
 * sent with nothing queued ahead of it goes a whole interval without an answer. */
export function heartbeat(socket: WebSocket, intervalMs: number): void {
  if (intervalMs <= 0) return
  let alive = true
  const answered = () => void (alive = true)
  socket.on('pong', answered)
  socket.on('message', answered)
  const timer = setInterval(() => {
    if (socket.bufferedAmount > 0) {
      // The last ping may be behind this data, or was never sent: no verdict now.
      alive = true
      return
    }
    if (!alive) {
      socket.terminate()
      return
    }
    alive = false
    if (socket.readyState === socket.OPEN) socket.ping()
  }, intervalMs)
  timer.unref()
  socket.once('close', () => clearInterval(timer))
}
