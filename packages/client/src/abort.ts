// Racing a promise against an AbortSignal, for steps that cannot take a signal themselves.

/** Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * A signal that aborts after `ms` (reason: a `TimeoutError`, as `AbortSignal.timeout()`'s), or
 * as soon as one of `also` does. Not `AbortSignal.any([..., AbortSignal.timeout(ms)])`: Node 20
 * holds the sources of `any()` weakly, so after a garbage collection the timeout was gone and
 * the deadline never came (a server that accepts but never answers hung the caller). Here the
 * timer holds the controller until it fires; the timer does not keep the process alive.
 */
export function deadlineSignal(ms: number, ...also: AbortSignal[]): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms)
  ;(timer as { unref?: () => void }).unref?.()
  return also.length > 0 ? AbortSignal.any([controller.signal, ...also]) : controller.signal
}

/** True for the reason of `AbortSignal.timeout()` (and of `deadlineSignal()`). */
export function isTimeoutReason(reason: unknown): boolean {
  return (reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
}

/** Waits `ms`; resolves true when the time is up, false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
