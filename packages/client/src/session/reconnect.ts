// The reconnect loop: wait (backoff with jitter), try, repeat until connected, told to stop, or
// out of attempts; a refusal that retrying cannot fix ends it at once.
import { sleep } from '../abort.js'
import type { ClaudeAgentClientError } from '../errors.js'
import { backoffDelay, type ResolvedReconnectOptions } from './backoff.js'
import { connectionLost, isPermanentRefusal } from './failures.js'
import type { ConnectionChange } from './hub.js'

export interface ReconnectLoop {
  options: ResolvedReconnectOptions
  /** Aborted by close(): the loop ends quietly. */
  stop: AbortSignal
  /** One attempt; resolves once connected, rejects with a ClaudeAgentClientError. */
  attempt(): Promise<unknown>
  report(change: ConnectionChange): void
  /** After a failed attempt: why the server is gone for good (its sandbox died), if it is. */
  gone?: () => Promise<string | undefined>
  /** The connection cannot come back: end it with this error. */
  giveUp(error: ClaudeAgentClientError): void
}

/** A connection that lasts this long resets the attempt count; one dropped sooner counts on,
 * so a server that closes every connection right after accepting it is not retried for ever. */
export const STABLE_CONNECTION_MS = 5_000

/** Resolves with the attempt that connected (undefined: it ended without). `firstAttempt` > 1
 * goes on counting after a connection that did not last. */
export async function reconnect(loop: ReconnectLoop, reason: ClaudeAgentClientError, firstAttempt = 1): Promise<number | undefined> {
  const { options, stop } = loop
  let error = reason
  for (let attempt = firstAttempt; !stop.aborted; attempt++) {
    if (attempt > options.maxAttempts) {
      return void loop.giveUp(connectionLost(`gave up after ${options.maxAttempts} attempt(s): ${error.message}`, error))
    }
    const delayMs = backoffDelay(attempt, options)
    loop.report({ state: 'reconnecting', attempt, delayMs, error })
    if (!(await sleep(delayMs, stop))) return undefined
    try {
      await loop.attempt()
      return attempt
    } catch (failure) {
      if (stop.aborted) return
      error = failure as ClaudeAgentClientError
      if (isPermanentRefusal(error)) return void loop.giveUp(connectionLost(error.message, error))
      const gone = await loop.gone?.().catch(() => undefined)
      if (gone !== undefined && !stop.aborted) return void loop.giveUp(connectionLost(gone, error))
    }
  }
  return undefined
}
