// Why a connection failed or ended, as ClaudeAgentClientErrors, and which failures are final.
import type { ErrorFrame, WireError } from '@claude-agent/protocol'
import { CLOSE_CODES, WireErrorSchema } from '@claude-agent/protocol'
import { isTimeoutReason } from '../abort.js'
import { ClaudeAgentClientError } from '../errors.js'
import { UpgradeRefusedError, type TransportCloseEvent } from '../transport/transport.js'
import { loggableUrl } from '../urls.js'

/** A failed connection attempt as `CONNECTION_FAILED` (with the server's wire error when it refused). */
export function connectFailure(error: unknown, url: string, timeoutMs: number): ClaudeAgentClientError {
  if (error instanceof ClaudeAgentClientError) return error // e.g. CLIENT_STOPPED
  const where = url ? ` ${loggableUrl(url)}` : ''
  if (isTimeoutReason(error)) {
    return new ClaudeAgentClientError('CONNECTION_FAILED', `The server${where} did not get ready within ${timeoutMs} ms`)
  }
  if (error instanceof UpgradeRefusedError) {
    const parsed = WireErrorSchema.safeParse(error.body)
    const wireError = parsed.success ? parsed.data : undefined
    const why = wireError ? ` ${wireError.code}: ${wireError.error}` : ''
    const message = `The server refused the connection${where} with HTTP ${error.status}${why}`
    return new ClaudeAgentClientError('CONNECTION_FAILED', message, { cause: error, ...(wireError && { wireError }) })
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new ClaudeAgentClientError('CONNECTION_FAILED', `Could not connect${where}: ${reason}`, { cause: error })
}

/** A refusal that retrying cannot fix (HTTP 4xx: the session is gone, the cursor is invalid, ...). */
export function isPermanentRefusal(error: ClaudeAgentClientError): boolean {
  const refusal = error.cause
  if (!(refusal instanceof UpgradeRefusedError)) return false
  return refusal.status >= 400 && refusal.status < 500 && refusal.status !== 408 && refusal.status !== 429
}

/** The connection is over for good because of `cause`. */
export function connectionLost(why: string, cause: ClaudeAgentClientError): ClaudeAgentClientError {
  return new ClaudeAgentClientError('CONNECTION_CLOSED', `The connection to the server was lost: ${why}`, {
    cause,
    ...(cause.wireError && { wireError: cause.wireError }),
  })
}

export function toWireError(frame: ErrorFrame): WireError {
  return { error: frame.error, code: frame.code, ...(frame.data !== undefined && { data: frame.data }) }
}

/** Why start() or resume() failed, as `CONNECTION_FAILED` unless it is a client error already. */
export function startFailure(error: unknown, timeoutMs: number): ClaudeAgentClientError {
  if (error instanceof ClaudeAgentClientError) return error
  if (isTimeoutReason(error)) {
    return new ClaudeAgentClientError('CONNECTION_FAILED', `The server did not get ready within ${timeoutMs} ms`)
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new ClaudeAgentClientError('CONNECTION_FAILED', `Could not connect: ${reason}`, { cause: error })
}

/** `NOT_CONNECTED` for `method()` called in a connection phase that cannot take it. */
export function notConnected(
  method: string,
  phase: 'idle' | 'connecting' | 'reconnecting' | 'connected' | 'closed',
): ClaudeAgentClientError {
  const why: Record<typeof phase, string> = {
    idle: 'the connection is not open',
    connecting: 'the connection is not open yet',
    reconnecting: 'the connection dropped and is being re-established (prompt() waits for it)',
    connected: '',
    closed: 'the connection is closed',
  }
  return new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): ${why[phase]}`)
}

/**
 * Why the socket closed: `controlLost` for the control requests it carried, `error` for the
 * connection, `final` when the session was deleted or access to it taken away (with the server's
 * last error, if it sent one).
 */
export function closeFailures(
  event: TransportCloseEvent,
  lastServerError: WireError | undefined,
): { controlLost: ClaudeAgentClientError; error: ClaudeAgentClientError; final: boolean } {
  const detail = `code ${event.code}${event.reason ? `: ${event.reason}` : ''}`
  const controlLost = new ClaudeAgentClientError('CONTROL_LOST', `The connection dropped before the control response arrived (${detail})`)
  if (event.code === CLOSE_CODES.gone) {
    const wireError = lastServerError ?? { code: 'SESSION_NOT_FOUND', error: 'The session was deleted' }
    return {
      controlLost,
      error: new ClaudeAgentClientError('CONNECTION_CLOSED', `The session was deleted (${detail})`, { wireError }),
      final: true,
    }
  }
  if (event.code === CLOSE_CODES.revoked) {
    // The same credential would be refused again: the token was revoked or expired, or the reader taken back.
    const wireError = lastServerError ?? { code: 'UNAUTHORIZED', error: 'Access was taken away' }
    return {
      controlLost,
      error: new ClaudeAgentClientError('CONNECTION_CLOSED', `Access to the session was taken away (${detail})`, { wireError }),
      final: true,
    }
  }
  return {
    controlLost,
    error: new ClaudeAgentClientError('CONNECTION_CLOSED', `The connection to the server closed (${detail})`),
    final: false,
  }
}
