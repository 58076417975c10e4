// Every WebSocket close code the server sends, in one place (docs/protocol.md, "Close codes").
// 1002, 1007 and 1009 are sent by the WebSocket library itself for bad frames.

export const CLOSE_CODES = {
  /** The server is shutting down: reconnect with `after` when it is back. */
  shuttingDown: 1001,
  /** A WebSocket protocol error (sent by ws). */
  protocolError: 1002,
  /** A text frame or close reason that is not UTF-8 (sent by ws). */
  invalidUtf8: 1007,
  /** A frame over the hard size cap (sent by ws). */
  frameTooBig: 1009,
  /** An internal error when the connection was set up, or WATCH_FAILED on /files/watch. */
  internal: 1011,
  /** SLOW_CONSUMER: the client fell too far behind. */
  slowConsumer: 4008,
  /** The token was revoked, or the principal lost its access to the session. */
  revoked: 4403,
  /** The session was deleted while attached (on /files/watch: the watched directory was removed). */
  gone: 4404,
} as const

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]
