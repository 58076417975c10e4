// A cluster node's test stack settings: every principal's token, the shared database, no
// pre-warming (tests count their CLIs), a 15 s lease.
import type { StackOptions } from './stack.js'
import { PRINCIPALS } from './principals.js'

export function clusterNode(nodeId: string, databaseUrl: string, extra: Omit<StackOptions, 'settings'> = {}): StackOptions {
  return {
    ...extra,
    settings: {
      prewarm: false,
      authTokens: Object.entries(PRINCIPALS).map(([label, p]) => ({ label, role: p.role, token: p.token })),
      databaseUrl,
      cluster: { nodeId, leaseMs: 15_000, maxSessions: 64 },
    },
  }
}
