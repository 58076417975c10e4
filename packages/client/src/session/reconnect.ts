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

export async function reconnect(loop: ReconnectLoop, reason: ClaudeAgentClientError): Promise<void> {
  const { options, stop } = loop
  let error = reason
  for (let attempt = 1; !stop.aborted; attempt++) {
    if (attempt > options.maxAttempts) {
      return loop.giveUp(connectionLost(`gave up after ${options.maxAttempts} attempt(s): ${error.message}`, error))
    }
    const delayMs = backoffDelay(attempt, options)
    loop.report({ state: 'reconnecting', attempt, delayMs, error })
    if (!(await sleep(delayMs, stop))) return
    try {
      await loop.attempt()
      return
    } catch (failure) {
      if (stop.aborted) return
      error = failure as ClaudeAgentClientError
      if (isPermanentRefusal(error)) return loop.giveUp(connectionLost(error.message, error))
      const gone = await loop.gone?.().catch(() => undefined)
      if (gone !== undefined && !stop.aborted) return loop.giveUp(connectionLost(gone, error))
    }
  }
}
