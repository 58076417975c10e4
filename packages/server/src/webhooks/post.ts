// One delivery attempt: a signed POST, bounded by a timeout, redirects not followed. Its
// outcome is an HTTP status (2xx counts as delivered) or why there was none.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Delivery } from '../event-log/delivery-log.js'
import { MAX_TIMER_MS } from './config.js'
import { webhookLookup } from './lookup.js'
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
  const { timeoutMs } = options
  const timeout = AbortSignal.timeout(Math.min(timeoutMs, MAX_TIMER_MS))
  try {
    const status = await post(options, AbortSignal.any([options.signal, timeout]))
    const ok = status >= 200 && status < 300
    return { statusCode: status, error: ok ? null : `HTTP ${status}` }
  } catch (err) {
    if (timeout.aborted) return { statusCode: null, error: `no answer within ${timeoutMs} ms` }
    if (options.signal.aborted) throw err
    return { statusCode: null, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message }
  }
}

/** The answer's status; its body is never read (only the status counts), nor a redirect followed. */
function post({ url, secret, attempt, delivery }: PostOptions, signal: AbortSignal): Promise<number> {
  const target = new URL(url)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(target, {
      method: 'POST',
      signal,
      // Off the thread pool: a resolver that hangs must not hold a thread the server needs.
      lookup: webhookLookup,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(delivery.body),
        'user-agent': 'claude-agent-server-webhooks',
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: delivery.id,
        [ATTEMPT_HEADER]: String(attempt),
        [SIGNATURE_HEADER]: signWebhook(secret, delivery.body),
      },
    })
    request.once('error', reject)
    request.once('response', (response) => {
      response.destroy()
      resolve(response.statusCode ?? 0)
    })
    request.end(delivery.body)
  })
}
