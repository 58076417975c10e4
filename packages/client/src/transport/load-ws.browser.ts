// The WebSocket the client uses in browsers (picked by the package's `imports` map, `#websocket`,
// under the `browser` condition): the platform's own, so a bundle never contains `ws`.
import type { WebSocketConstructor } from './websocket.js'

/** Whether this platform's WebSocket sends request headers (a browser sends the token as a subprotocol): options check the token by it. */
export const WEBSOCKET_SENDS_HEADERS = false

/** `headers`: whether the constructor takes request headers (a browser's never does). */
export async function loadWebSocket(): Promise<{ Ctor: WebSocketConstructor; headers: boolean }> {
  const native = (globalThis as { WebSocket?: unknown }).WebSocket
  if (typeof native !== 'function') {
    throw new Error('This environment has no global WebSocket: pass the `WebSocket` option of WebSocketTransport')
  }
  return { Ctor: native as WebSocketConstructor, headers: false }
}
