// The cluster's own tables in the shared PostgreSQL: the nodes that are alive and the session
// leases. Created once, under an advisory lock so nodes starting together do not race; every
// time is the database's clock (now()), so the nodes' clocks never have to agree.
import type pg from 'pg'
import { underLock } from '../event-log/postgres-pool.js'

/** Any fixed number: the advisory lock taken while the tables are made. */
const SCHEMA_LOCK = 0x636c7573

const TABLES = `
CREATE TABLE IF NOT EXISTS cluster_nodes (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  heartbeat_at TIMESTAMPTZ NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  free_memory BIGINT NOT NULL DEFAULT 0,
  max_sessions INTEGER NOT NULL,
  draining BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS session_leases (
  session_id TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS session_leases_node ON session_leases (node);
CREATE TABLE IF NOT EXISTS cluster_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`

export async function ensureClusterSchema(pool: pg.Pool): Promise<void> {
  await underLock(pool, SCHEMA_LOCK, (client) => client.query(TABLES))
}
