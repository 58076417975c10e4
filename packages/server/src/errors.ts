// One error class for the server. Anything that is not a ServerError becomes INTERNAL on the
// wire, its details kept for the log only.
import type { ErrorCode, WireError } from '@claude-agent/protocol'
import { scrub } from './secrets.js'

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  FILE_EXISTS: 409,
  DIRECTORY_NOT_EMPTY: 409,
  METHOD_NOT_ALLOWED: 405,
  SESSION_EXISTS: 409,
  SHUTTING_DOWN: 503,
  BODY_TOO_LARGE: 413,
  WORKSPACE_FULL: 413,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  STORE_FAILED: 503,
  INTERNAL: 500,
  LEASE_LOST: 503,
  CLUSTER_FULL: 503,
  AGENT_CAPACITY: 503,
  QUEUE_FULL: 503,
  NODE_UNREACHABLE: 502,
}

export class ServerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: unknown,
    /** Kept for the server's log (never on the wire), e.g. the database's own error. */
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ServerError'
  }

  get status(): number {
    return HTTP_STATUS[this.code] ?? 400
  }

  /** The wire shape, with every known secret scrubbed from the message and the data. */
  toWire(): WireError {
    const error = scrub(this.message)
    return this.data === undefined
      ? { error, code: this.code }
      : { error, code: this.code, data: JSON.parse(scrub(JSON.stringify(this.data))) as unknown }
  }
}

/** Never throws, whatever it is given (the last line of defence calls it). */
export function toServerError(err: unknown): ServerError {
  try {
    if (err instanceof ServerError) return err
  } catch {
    // e.g. a Proxy whose prototype trap throws: unknown, so INTERNAL
  }
  return new ServerError('INTERNAL', 'Internal server error')
}

/** For the log: an unknown error's stack, or its text; never throws. */
export function describeError(err: unknown): string {
  try {
    return err instanceof Error ? (err.stack ?? err.message) : String(err)
  } catch {
    return 'an error that cannot be printed'
  }
}
