// The PostgreSQL schema as numbered migrations, recorded in claude_agent_migrations. They run
// in one transaction under an advisory lock: two nodes starting at once apply them once.
// The tables mirror SQLite's (schema.ts); epoch milliseconds are BIGINT, money DOUBLE PRECISION.
import type pg from 'pg'
import { underLock } from './postgres-pool.js'

const V1_ALL = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  config TEXT NOT NULL,
  state TEXT NOT NULL,
  allowed_tools TEXT NOT NULL DEFAULT '[]',
  owner TEXT,
  readers TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  type TEXT NOT NULL,
  frame TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE TABLE prompts (
  session_id TEXT NOT NULL,
  uuid TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (session_id, uuid)
);
CREATE TABLE audit (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  principal TEXT NOT NULL,
  action TEXT NOT NULL,
  session_id TEXT,
  remote TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_session ON audit (session_id, id);
CREATE INDEX audit_by_principal ON audit (principal, id);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  role TEXT NOT NULL,
  digest TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE model_usage (
  conversation_id TEXT NOT NULL,
  model TEXT NOT NULL,
  session_id TEXT NOT NULL,
  principal TEXT,
  requests BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cache_creation_input_tokens BIGINT NOT NULL,
  cache_read_input_tokens BIGINT NOT NULL,
  cost_usd DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (conversation_id, model)
);
CREATE INDEX model_usage_principal ON model_usage (principal);
CREATE TABLE budgets (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  limit_usd DOUBLE PRECISION,
  PRIMARY KEY (scope, key)
);
CREATE TABLE webhook_deliveries (
  n BIGSERIAL,
  id TEXT PRIMARY KEY,
  hook TEXT NOT NULL,
  event TEXT NOT NULL,
  session_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT,
  last_error TEXT,
  UNIQUE (hook, session_id, seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, hook, next_at);
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  status_code INTEGER,
  error TEXT,
  retry_at BIGINT,
  PRIMARY KEY (delivery_id, attempt)
);
`

// A cluster's nodes share the deliveries: the node sending one holds a claim on it until it
// records the attempt (postgres-deliveries.ts).
const V2_DELIVERY_CLAIMS = `
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until BIGINT;
`

/** Index i brings a database from version i to i + 1. Append only; never edit a shipped step. */
export const PG_MIGRATIONS: readonly string[] = [V1_ALL, V2_DELIVERY_CLAIMS]
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length

/** Any constant both nodes agree on: the key of the migration lock. */
const MIGRATION_LOCK = 0x636c6175

/** Brings the database up to PG_SCHEMA_VERSION; refuses one made by a newer server. */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  await underLock(pool, MIGRATION_LOCK, async (client) => {
    await client.query(
      'CREATE TABLE IF NOT EXISTS claude_agent_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    )
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM claude_agent_migrations')
    const version = rows[0]?.version ?? 0
    if (version > PG_SCHEMA_VERSION) {
      throw new Error(`the database has schema version ${version}, newer than this server knows (${PG_SCHEMA_VERSION}); upgrade the server`)
    }
    for (let next = version; next < PG_SCHEMA_VERSION; next++) {
      await client.query(PG_MIGRATIONS[next]!)
      await client.query('INSERT INTO claude_agent_migrations (version) VALUES ($1)', [next + 1])
    }
  })
}
