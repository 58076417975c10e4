// What a bearer token may hold on the way out. Checked before any request, so a careless token
// (one read from a file with its newline) fails as itself; the messages never show the token.
import { ClaudeAgentClientError } from './errors.js'

/** A header value carries visible ASCII and spaces; anything else no server could have issued. */
const HEADER_SAFE = /^[\x20-\x7e]*$/

/** RFC 9110 `tchar`: all a WebSocket subprotocol (the browser's way to send it) may hold. */
const SUBPROTOCOL_SAFE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for a token no header can carry. */
export function validateToken(token: string | undefined, name: string): void {
  if (token === undefined) return
  if (typeof token !== 'string') throw new ClaudeAgentClientError('INVALID_ARGUMENT', `${name} must be a string`)
  if (!HEADER_SAFE.test(token)) {
    throw new ClaudeAgentClientError(
      'INVALID_ARGUMENT',
      `${name} holds a line break, control or non-ASCII character (read from a file with its newline?); it is not shown`,
    )
  }
}

/** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for a token a browser cannot send as a subprotocol. */
export function validateSubprotocolToken(token: string): void {
  if (!SUBPROTOCOL_SAFE.test(token)) {
    throw new ClaudeAgentClientError(
      'INVALID_ARGUMENT',
      "Where headers cannot be set (a browser), the token travels as a WebSocket subprotocol, which allows only letters, digits and !#$%&'*+-.^_`|~; " +
        'this token has other characters (it is not shown): use one the server generated (base64url)',
    )
  }
}
