// The seam between the client and the socket, after the MCP SDK's Transport. The client speaks
// text frames; a transport moves them. A reconnecting transport can implement the same contract.

export interface TransportCloseEvent {
  /** WebSocket close code (1000 normal, 1006 abnormal, ...). */
  code: number
  reason: string
}

/**
 * Contract:
 * - `start()` resolves once the connection is open and rejects if it cannot be opened;
 *   a failure before open is reported only through that rejection, with an
 *   `UpgradeRefusedError` when the server answered the upgrade with an HTTP error (when the
 *   platform lets the transport see it).
 * - After open, `onmessage` gets every text frame, `onerror` reports errors (which need not
 *   end the connection), and `onclose` fires exactly once, including after `close()`.
 * - `send()` throws if the connection is not open.
 * - `close()` is idempotent and resolves once the connection is closed (or abandoned).
 */
export interface Transport {
  start(): Promise<void>
  send(message: string): void
  close(): Promise<void>
  onmessage?: (message: string) => void
  onerror?: (error: Error) => void
  onclose?: (event: TransportCloseEvent) => void
}

/** The server answered the WebSocket upgrade with an HTTP error instead of switching protocols. */
export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError'

  constructor(
    /** HTTP status, e.g. 404. */
    readonly status: number,
    /** The response body, parsed as JSON when it is JSON (the server's wire error). */
    readonly body: unknown,
  ) {
    super(`The server refused the WebSocket upgrade with HTTP ${status}`)
  }
}
