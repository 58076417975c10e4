// Errors the client raises itself. Their codes are kept apart from the server's wire error codes
// (`ErrorCode` in @claude-agent/protocol): a wire error the server sent rides along as `wireError`.
import type { IssueDetail, ReceivedErrorCode, WireError } from '@claude-agent/protocol'

export const CLIENT_ERROR_CODES = [
  'NOT_CONNECTED', // send()/prompt()/getConfig() before start(), after stop(), while reconnecting, or after the connection was lost
  'ALREADY_STARTED', // start() while starting or connected
  'CONNECTION_FAILED', // the server could not be reached, refused the socket, or timed out
  'CONNECTION_CLOSED', // the connection was lost for good (no reconnect, gave up, session deleted)
  'CONFIG_REJECTED', // POST /config answered non-2xx; `wireError.data.issues` names bad fields
  'NO_PROVIDER', // no `connectionUrl`, no `provider: 'local'`, and no E2B API key: nowhere to run a server
  'CLIENT_STOPPED', // stop() was called while this start()/prompt() was pending
  'AGENT_FAILED', // the agent died mid-turn, or the server ended a turn it would not end (AGENT_START_FAILED / AGENT_EXITED / TURN_STALLED frame)
  'INVALID_ARGUMENT', // a bad option or prompt input, caught before anything is sent
  'INVALID_SERVER_FRAME', // the server sent a frame that does not parse (reported via onError)
  'HANDLER_FAILED', // an onMessage handler threw (reported via onError; the client carries on)
  'REQUEST_FAILED', // an HTTP helper (getConfig, sessions.*) got a non-2xx answer
  'PROMPT_REFUSED', // the server refused a prompt (an error naming its uuid: FORBIDDEN, STORE_FAILED, ...); it will not run (SHUTTING_DOWN, LEASE_LOST: sent again on reconnecting)
  'TURN_INTERRUPTED', // the server stopped or restarted while this prompt ran or waited (INTERRUPTED_BY_RESTART)
  'MESSAGE_BUFFER_OVERFLOW', // a messages() iterator fell further behind than its buffer allows
  'CONTROL_FAILED', // a control request (setModel, listCommands, ...) answered ok: false; `wireError` says why
  'CONTROL_LOST', // the connection dropped before the control_response arrived (the request may have run)
  'PROVIDER_FAILED', // the provider could not start the server (missing optional package, exit, no /health)
  'NOT_SUPPORTED', // the provider cannot do this (e.g. pause() without a sandbox)
  'RESPONSE_INCOMPLETE', // an answer ended early: an exec stream without its exit line, a short file read
  'SOURCE_FAILED', // files.write(): its data (a stream) failed while it was read; the server keeps nothing of it
] as const

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

export interface ClaudeAgentClientErrorOptions {
  /** The server's error, when the failure was reported by the server. */
  wireError?: WireError
  cause?: unknown
}

/**
 * The one error class of the client. Branch on `code`; `message` is for humans and may change.
 *
 * @example
 * try { await client.start() } catch (e) {
 *   if (e instanceof ClaudeAgentClientError && e.code === 'CONFIG_REJECTED') console.log(e.issues)
 * }
 */
export class ClaudeAgentClientError extends Error {
  override readonly name = 'ClaudeAgentClientError'
  readonly code: ClientErrorCode
  declare readonly wireError?: WireError

  constructor(code: ClientErrorCode, message: string, options: ClaudeAgentClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options.wireError) this.wireError = options.wireError
  }

  /** The server's error code when the server reported the failure (e.g. `FILE_NOT_FOUND`, `UNAUTHORIZED`). */
  get serverCode(): ReceivedErrorCode | undefined {
    return this.wireError?.code
  }

  /** The server's per-field validation issues (CONFIG_REJECTED), if it sent any. */
  get issues(): IssueDetail[] | undefined {
    const data = this.wireError?.data as { issues?: unknown } | undefined
    return Array.isArray(data?.issues) ? (data.issues as IssueDetail[]) : undefined
  }
}

/** True when `error` is a ClaudeAgentClientError (with `code`, if given). */
export function isClaudeAgentClientError(error: unknown, code?: ClientErrorCode): error is ClaudeAgentClientError {
  return error instanceof ClaudeAgentClientError && (code === undefined || error.code === code)
}
