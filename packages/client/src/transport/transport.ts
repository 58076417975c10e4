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
 *   a failure before open is reported only through that rejection.
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
