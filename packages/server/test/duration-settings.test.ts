// Duration settings end where a timer can keep them: Node fires a setTimeout of more than
// 2^31-1 ms after 1 ms, so "wait a month" (SESSION_IDLE_TIMEOUT_MS=2592000000) would have
// suspended every session, timed out every approval or ended every shutdown grace at once.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { clusterSettingsFromEnv } from '../src/cluster/cluster-settings.js'
import { settingsFromEnv } from '../src/settings.js'

const DURATIONS = [
  ['SESSION_IDLE_TIMEOUT_MS', 'idleTimeoutMs'],
  ['SLOW_CLIENT_GRACE_MS', 'slowClientGraceMs'],
  ['SHUTDOWN_GRACE_MS', 'shutdownGraceMs'],
  ['PERMISSION_TIMEOUT_MS', 'permissionTimeoutMs'],
  ['TURN_SILENCE_TIMEOUT_MS', 'turnSilenceTimeoutMs'],
  ['INTERRUPT_TIMEOUT_MS', 'interruptTimeoutMs'],
] as const

describe('duration settings', () => {
  it('take up to 2^31-1 ms and refuse more, naming the setting and the bound', () => {
    for (const [name, field] of DURATIONS) {
      assert.equal(settingsFromEnv({ [name]: '2147483647' })[field], 2147483647, name)
      for (const raw of ['2147483648', '2592000000', '9007199254740991'])
        assert.throws(
          () => settingsFromEnv({ [name]: raw }),
          new RegExp(`\\b${name} must be an integer >= [01] and <= 2147483647, got "${raw}"$`),
          `${name}=${raw}`,
        )
    }
  })

  it('CLUSTER_LEASE_MS too', () => {
    const fail = (message: string): never => {
      throw new Error(message)
    }
    const base = { DATABASE_URL: 'postgres://u@127.0.0.1/db' }
    assert.equal(clusterSettingsFromEnv({ ...base, CLUSTER_LEASE_MS: '2147483647' }, fail)?.leaseMs, 2147483647)
    assert.throws(
      () => clusterSettingsFromEnv({ ...base, CLUSTER_LEASE_MS: '2147483648' }, fail),
      /CLUSTER_LEASE_MS must be an integer from 300 to 2147483647/,
    )
  })
})
