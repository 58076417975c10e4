// When to try again after the connection dropped: exponential backoff with jitter.
import { ClaudeAgentClientError } from '../errors.js'

export interface ReconnectOptions {
  /**
   * Reconnect by itself when the connection drops (network cut, server restart, SLOW_CONSUMER).
   * @default true
   */
  enabled?: boolean
  /**
   * Upper bound of the wait before the first attempt, in ms; it doubles with each attempt.
   * @default 100
   */
  initialDelayMs?: number
  /**
   * Cap on the wait between two attempts, in ms.
   * @default 5_000
   */
  maxDelayMs?: number
  /**
   * Attempts in a row before giving up (the connection is then `closed`, pending prompts reject
   * with `CONNECTION_CLOSED`). A connection that stays up 5 s resets the count; one dropped
   * sooner counts on.
   * @default Infinity
   */
  maxAttempts?: number
}

export type ResolvedReconnectOptions = Required<ReconnectOptions>

export const DEFAULT_RECONNECT: Readonly<ResolvedReconnectOptions> = Object.freeze({
  enabled: true,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  maxAttempts: Infinity,
})

/** `true`/`undefined` -> the defaults, `false` -> disabled, an object -> merged over the defaults. */
export function resolveReconnect(option: boolean | ReconnectOptions | undefined): ResolvedReconnectOptions {
  if (option === undefined || option === true) return { ...DEFAULT_RECONNECT }
  if (option === false) return { ...DEFAULT_RECONNECT, enabled: false }
  const resolved = { ...DEFAULT_RECONNECT, ...withoutUndefined(option) }
  for (const key of ['initialDelayMs', 'maxDelayMs', 'maxAttempts'] as const) {
    const value = resolved[key]
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new ClaudeAgentClientError('INVALID_ARGUMENT', `reconnect.${key} must be a number >= 0, got ${String(value)}`)
    }
  }
  return resolved
}

/**
 * The wait before attempt `attempt` (1-based): a random time between half and all of
 * `min(maxDelayMs, initialDelayMs * 2^(attempt-1))`, so clients cut off together do not
 * all come back at the same instant.
 */
export function backoffDelay(attempt: number, options: ResolvedReconnectOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
