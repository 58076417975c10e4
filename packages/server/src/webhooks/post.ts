// One delivery attempt: a signed POST, bounded by a timeout, redirects not followed. Its
// outcome is an HTTP status (2xx counts as delivered) or why there was none.
import type { Delivery } from '../event-log/delivery-log.js'
import { MAX_TIMER_MS } from './config.js'
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from './signature.js'

export interface AttemptOutcome {
  statusCode: number | null
  /** Null when delivered. */
  error: string | null
}

export interface PostOptions {
  url: string
  secret: string
  delivery: Delivery
  attempt: number
  timeoutMs: number
  /** Aborts the attempt (the server stops); the caller records nothing then. */
  signal: AbortSignal
}

export async function postDelivery(options: PostOptions): Promise<AttemptOutcome> {
  const { delivery, timeoutMs } = options
  const timeout = AbortSignal.timeout(Math.min(timeoutMs, MAX_TIMER_MS))
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, timeout]),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'claude-agent-server-webhooks',
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: delivery.id,
        [ATTEMPT_HEADER]: String(options.attempt),
        [SIGNATURE_HEADER]: signWebhook(options.secret, delivery.body),
      },
      body: delivery.body,
    })
    // The answer's body is not read: only its status counts.
    await response.body?.cancel().catch(() => {})
    const ok = response.status >= 200 && response.status < 300
    return { statusCode: response.status, error: ok ? null : `HTTP ${response.status}` }
  } catch (err) {
    if (timeout.aborted) return { statusCode: null, error: `no answer within ${timeoutMs} ms` }
    if (options.signal.aborted) throw err
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    return { statusCode: null, error: cause?.code ?? cause?.message ?? (err as Error).message }
  }
}
