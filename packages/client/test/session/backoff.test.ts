// Reconnect options and the backoff schedule.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isClaudeAgentClientError } from '../../src/errors.js'
import { DEFAULT_RECONNECT, backoffDelay, resolveReconnect } from '../../src/session/backoff.js'

describe('reconnect options', () => {
  it('defaults: enabled, 100 ms doubling up to 5 s, no attempt limit', () => {
    assert.deepEqual(resolveReconnect(undefined), { enabled: true, initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: Infinity })
    assert.deepEqual(resolveReconnect(true), DEFAULT_RECONNECT)
    assert.equal(resolveReconnect(false).enabled, false)
    assert.deepEqual(resolveReconnect({ maxAttempts: 3, initialDelayMs: undefined }), { ...DEFAULT_RECONNECT, maxAttempts: 3 })
  })

  it('rejects negative or non-numeric values with INVALID_ARGUMENT', () => {
    for (const bad of [{ initialDelayMs: -1 }, { maxDelayMs: Number.NaN }, { maxAttempts: '3' as unknown as number }]) {
      assert.throws(
        () => resolveReconnect(bad),
        (e) => isClaudeAgentClientError(e, 'INVALID_ARGUMENT'),
      )
    }
  })

  it('waits between half and all of min(max, initial * 2^(attempt-1))', () => {
    const options = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000 })
    const low = (attempt: number) => backoffDelay(attempt, options, () => 0)
    const high = (attempt: number) => backoffDelay(attempt, options, () => 1)
    assert.deepEqual([1, 2, 3, 4, 5, 20].map(low), [50, 100, 200, 400, 500, 500])
    assert.deepEqual([1, 2, 3, 4, 5, 20].map(high), [100, 200, 400, 800, 1000, 1000])
  })
})
