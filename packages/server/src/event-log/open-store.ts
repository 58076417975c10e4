// Which store a server runs on: PostgreSQL when DATABASE_URL is set (a cluster shares it),
// else the embedded SQLite file in the data dir.
import { databasePath, type ServerSettings } from '../settings.js'
import type { Store } from './event-log.js'
import { PostgresStore } from './postgres-store.js'
import { SqliteStore } from './sqlite-store.js'

export async function openStore(
  settings: Pick<ServerSettings, 'dataDir' | 'databaseUrl' | 'databaseQueryTimeoutMs' | 'cluster'>,
): Promise<Store> {
  if (!settings.databaseUrl) return new SqliteStore(databasePath(settings))
  // A node idle inside a transaction for a whole lease has lost its leases anyway: its locks go.
  return PostgresStore.open(settings.databaseUrl, {
    idleInTransactionMs: settings.cluster?.leaseMs,
    queryTimeoutMs: settings.databaseQueryTimeoutMs,
  })
}
