// The WebSocket the client uses in Node (picked by the package's `imports` map, `#websocket`):
// the `ws` package, which sends request headers (the token goes in `Authorization`) and shows
// why an upgrade was refused. Loaded on first use so importing the client stays cheap.
import type { WebSocketConstructor } from './websocket.js'

/** Whether this platform's WebSocket sends request headers (the token goes in `Authorization`): options check the token by it. */
export const WEBSOCKET_SENDS_HEADERS = true

/** `headers`: whether the constructor takes request headers. */
export async function loadWebSocket(): Promise<{ Ctor: WebSocketConstructor; headers: boolean }> {
  const ws = await import('ws')
  // `ws` implements the WHATWG surface the transport uses; its event types are richer, hence the cast.
  return { Ctor: ws.WebSocket as unknown as WebSocketConstructor, headers: true }
}
