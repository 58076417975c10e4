// The cluster's settings, from the environment. DATABASE_URL (settings.databaseUrl, the
// PostgreSQL store) turns cluster mode on (a cluster of one is fine); every CLUSTER_* setting
// has a default.
import { hostname } from 'node:os'
import { MAX_TIMER_MS } from '../max-timer.js'

export interface ClusterSettings {
  /** Unique per node. @default the hostname */
  nodeId: string
  /** The base URL other nodes reach this one at. @default http://127.0.0.1:<port> */
  advertiseUrl?: string
  /** How long a session lease lasts unrenewed; renewed every third of it. @default 15000 */
  leaseMs: number
  /** Sessions one node owns at most; placement goes elsewhere beyond. @default 64 */
  maxSessions: number
}

type Env = Record<string, string | undefined>

function positiveInt(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  fail: (message: string) => never,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  // Decimal digits only, as every other integer setting: Number() also took '0x10', '1e3' and ' 5'.
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max)
    fail(`${name} must be an integer from ${min} to ${max}, got "${raw.slice(0, 32)}"`)
  return value
}

/** Undefined unless DATABASE_URL is set. `fail` throws the settings' own error. */
export function clusterSettingsFromEnv(env: Env, fail: (message: string) => never): ClusterSettings | undefined {
  if (!env['DATABASE_URL']) return undefined
  const nodeId = env['CLUSTER_NODE_ID'] || hostname()
  if (!/^[\w.:-]{1,128}$/.test(nodeId)) fail('CLUSTER_NODE_ID may hold letters, digits and . _ : - (at most 128)')
  const advertiseUrl = env['CLUSTER_ADVERTISE_URL'] || undefined
  if (advertiseUrl !== undefined && (!URL.canParse(advertiseUrl) || !/^https?:$/.test(new URL(advertiseUrl).protocol)))
    fail(`CLUSTER_ADVERTISE_URL must be an http(s) URL, got "${advertiseUrl.slice(0, 200)}"`)
  return {
    nodeId,
    ...(advertiseUrl && { advertiseUrl: advertiseUrl.replace(/\/+$/, '') }),
    leaseMs: positiveInt(env, 'CLUSTER_LEASE_MS', 15_000, 300, fail, MAX_TIMER_MS),
    maxSessions: positiveInt(env, 'CLUSTER_MAX_SESSIONS', 64, 1, fail),
  }
}
