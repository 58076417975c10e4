// Waiting for a server a provider started: `GET /health` until it answers. A 401 counts as up
// when asked (the server is there, it wants a token); anything else (connection refused, a
// proxy's 502 while the port is closed) means not yet.
import { deadlineSignal, sleep } from '../abort.js'
import { ClaudeAgentClientError } from '../errors.js'
import { authHeaders, describeFetchError } from '../http/request.js'
import { httpEndpoint, loggableUrl } from '../urls.js'

export interface HealthWait {
  token?: string
  /** Give up after this long: `PROVIDER_FAILED`. */
  timeoutMs: number
  /** Count a 401 as up. @default false */
  acceptUnauthorized?: boolean
  /** Why the server cannot come up any more (e.g. its process exited), checked between tries. */
  gone?: () => string | undefined
  /** Aborting stops waiting (rejects with the reason). */
  signal?: AbortSignal
  /** @default 100 */
  intervalMs?: number
}

/** Resolves once `GET <baseUrl>/health` answers 200 (or 401 when accepted). */
export async function waitForHealth(baseUrl: string, wait: HealthWait): Promise<void> {
  const url = httpEndpoint(baseUrl, '/health')
  const deadline = Date.now() + wait.timeoutMs
  const stop = wait.signal ?? new AbortController().signal
  let last: string
  for (;;) {
    stop.throwIfAborted()
    const gone = wait.gone?.()
    if (gone) throw new ClaudeAgentClientError('PROVIDER_FAILED', `The server did not come up: ${gone}`)
    // One probe never outlasts the wait: a server that accepts but never answers is given up on in time.
    const status = await probe(url, wait.token, stop, Math.max(100, Math.min(PROBE_TIMEOUT_MS, deadline - Date.now())))
    if (status === 200 || (status === 401 && wait.acceptUnauthorized)) return
    last = typeof status === 'number' ? `HTTP ${status}` : status
    if (Date.now() > deadline) {
      throw new ClaudeAgentClientError('PROVIDER_FAILED', `${loggableUrl(url)} did not answer within ${wait.timeoutMs} ms (last: ${last})`)
    }
    await sleep(wait.intervalMs ?? 100, stop)
  }
}

const PROBE_TIMEOUT_MS = 5_000

/** The status of one `GET /health`, or why there was none. */
export async function probe(
  url: string,
  token: string | undefined,
  signal: AbortSignal,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<number | string> {
  try {
    const response = await fetch(url, { headers: authHeaders(token), signal: deadlineSignal(timeoutMs, signal) })
    await response.body?.cancel()
    return response.status
  } catch (error) {
    if (signal.aborted) throw signal.reason
    return describeFetchError(error)
  }
}
