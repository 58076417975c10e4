// The cluster's settings: off without DATABASE_URL, defaults with it, a bad value a clear
// start-up error naming the setting.
import assert from 'node:assert/strict'
import { hostname } from 'node:os'
import { describe, it } from 'node:test'
import { SettingsError, settingsFromEnv } from '../../src/settings.js'

const base = { DATA_DIR: '/tmp/cas-cluster-settings' }
const url = 'postgres://u:secret@db:5432/claude'

describe('cluster settings', () => {
  it('are off without DATABASE_URL and take their defaults with it', () => {
    assert.equal(settingsFromEnv(base).cluster, undefined)
    const settings = settingsFromEnv({ ...base, DATABASE_URL: url })
    assert.equal(settings.databaseUrl, url)
    assert.deepEqual(settings.cluster, { nodeId: hostname(), leaseMs: 15_000, maxSessions: 64 })
  })

  it('read CLUSTER_NODE_ID, CLUSTER_ADVERTISE_URL, CLUSTER_LEASE_MS and CLUSTER_MAX_SESSIONS', () => {
    const env = {
      ...base,
      DATABASE_URL: url,
      CLUSTER_NODE_ID: 'node-1',
      CLUSTER_ADVERTISE_URL: 'http://10.0.0.7:3000/',
      CLUSTER_LEASE_MS: '6000',
      CLUSTER_MAX_SESSIONS: '10',
    }
    assert.deepEqual(settingsFromEnv(env).cluster, {
      nodeId: 'node-1',
      advertiseUrl: 'http://10.0.0.7:3000',
      leaseMs: 6000,
      maxSessions: 10,
    })
  })

  it('refuse bad values, naming the setting', () => {
    for (const [name, value, message] of [
      ['CLUSTER_LEASE_MS', '100', /CLUSTER_LEASE_MS/],
      ['CLUSTER_LEASE_MS', 'soon', /CLUSTER_LEASE_MS/],
      ['CLUSTER_MAX_SESSIONS', '0', /CLUSTER_MAX_SESSIONS/],
      ['CLUSTER_MAX_SESSIONS', '0x10', /CLUSTER_MAX_SESSIONS/],
      ['CLUSTER_MAX_SESSIONS', ' 5', /CLUSTER_MAX_SESSIONS/],
      ['CLUSTER_LEASE_MS', '1e4', /CLUSTER_LEASE_MS/],
      ['CLUSTER_NODE_ID', 'a b/c', /CLUSTER_NODE_ID/],
      ['CLUSTER_ADVERTISE_URL', 'ftp://x', /CLUSTER_ADVERTISE_URL/],
    ] as const) {
      assert.throws(
        () => settingsFromEnv({ ...base, DATABASE_URL: url, [name]: value }),
        (err: unknown) => err instanceof SettingsError && message.test(err.message) && !err.message.includes('secret'),
        `${name}=${value}`,
      )
    }
  })
})
