// Which store a server runs on: PostgreSQL when DATABASE_URL is set (a cluster shares it),
// else the embedded SQLite file in the data dir.
import { databasePath, type ServerSettings } from '../settings.js'
import type { Store } from './event-log.js'
import { PostgresStore } from './postgres-store.js'
import { SqliteStore } from './sqlite-store.js'

export async function openStore(settings: Pick<ServerSettings, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  return settings.databaseUrl ? PostgresStore.open(settings.databaseUrl) : new SqliteStore(databasePath(settings))
}
