// A cluster node's test stack settings: every principal's token, the shared database, no
// pre-warming (tests count their CLIs), a 15 s lease, and the DATA_DIR every node of that
// database shares (as in production: a node on a DATA_DIR of its own is refused).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StackOptions } from './stack.js'
import { PRINCIPALS } from './principals.js'

const dataDirs = new Map<string, string>()

/** One DATA_DIR per database, removed when the test process exits. */
export function sharedDataDir(databaseUrl: string): string {
  let dir = dataDirs.get(databaseUrl)
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), 'cas-cluster-data-'))
    process.once('exit', () => rmSync(made, { recursive: true, force: true }))
    dataDirs.set(databaseUrl, (dir = made))
  }
  return dir
}

export function clusterNode(nodeId: string, databaseUrl: string, extra: Omit<StackOptions, 'settings'> = {}): StackOptions {
  return {
    ...extra,
    settings: {
      prewarm: false,
      authTokens: Object.entries(PRINCIPALS).map(([label, p]) => ({ label, role: p.role, token: p.token })),
      databaseUrl,
      dataDir: sharedDataDir(databaseUrl),
      cluster: { nodeId, leaseMs: 15_000, maxSessions: 64 },
    },
  }
}
