// The SQLite schema as numbered migrations, tracked in `PRAGMA user_version`. A database made
// before versions existed has version 0 and the v1 tables: v1 only creates what is missing, so
// it counts as v1 without a change. Each step runs in one transaction with its version bump.
import type Database from 'better-sqlite3'

const V1_SESSIONS_AND_EVENTS = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  config TEXT NOT NULL,
  state TEXT NOT NULL,
  allowed_tools TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  frame TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
`

// Prompt uuids a session has run, so a resend is refused across restarts (the CLI answers a
// uuid it already ran with no result). Filled from the CLI's echoes of the prompts it started.
const V2_PROMPT_UUIDS = `
CREATE TABLE prompts (
  session_id TEXT NOT NULL,
  uuid TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (session_id, uuid)
) WITHOUT ROWID;
INSERT OR IGNORE INTO prompts (session_id, uuid, at)
  SELECT session_id, json_extract(frame, '$.data.uuid'), at FROM events
  WHERE type = 'sdk_message'
    AND json_extract(frame, '$.data.type') = 'user'
    AND json_extract(frame, '$.data.isReplay') = 1
    AND json_extract(frame, '$.data.uuid') IS NOT NULL;
`

// The audit log (audit/audit-log.ts): who did what, kept apart from the sessions it names, so
// it outlives them. Filtered by session or principal, paged by id.
const V3_AUDIT = `
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  principal TEXT NOT NULL,
  action TEXT NOT NULL,
  session_id TEXT,
  remote TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_session ON audit (session_id, id);
CREATE INDEX audit_by_principal ON audit (principal, id);
`

// Tenancy: each session's owner (null: the admins, as every older session is) and its readers;
// run-time tokens, stored as their sha256 (their values are 32 random bytes: see docs/tenancy.md).
const V4_OWNERS_READERS_TOKENS = `
ALTER TABLE sessions ADD COLUMN owner TEXT;
ALTER TABLE sessions ADD COLUMN readers TEXT NOT NULL DEFAULT '[]';
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  role TEXT NOT NULL,
  digest TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
`

// Spending: what the model gateway counted per session (keyed by its conversation, kept after
// the session is deleted so that its principal's spending stays) and model, and the budgets set
// through the API (limit_usd NULL: no limit). A session's principal is its `owner` (V4).
const V5_USAGE_AND_BUDGETS = `
CREATE TABLE model_usage (
  conversation_id TEXT NOT NULL,
  model TEXT NOT NULL,
  session_id TEXT NOT NULL,
  principal TEXT,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_creation_input_tokens INTEGER NOT NULL,
  cache_read_input_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  PRIMARY KEY (conversation_id, model)
) WITHOUT ROWID;
CREATE INDEX model_usage_principal ON model_usage (principal);
CREATE TABLE budgets (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  limit_usd REAL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
`

// Webhook deliveries (webhooks/): one row per event and hook, its status and next try, so a
// delivery pending when the server stops is resumed by the next one; one row per attempt.
const V6_WEBHOOK_DELIVERIES = `
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  hook TEXT NOT NULL,
  event TEXT NOT NULL,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_error TEXT,
  UNIQUE (hook, session_id, seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, hook, next_at);
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  retry_at INTEGER,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
`

/** Index i brings a database from version i to i + 1. Append only; never edit a shipped step. */
export const MIGRATIONS: readonly string[] = [
  V1_SESSIONS_AND_EVENTS,
  V2_PROMPT_UUIDS,
  V3_AUDIT,
  V4_OWNERS_READERS_TOKENS,
  V5_USAGE_AND_BUDGETS,
  V6_WEBHOOK_DELIVERIES,
]
export const SCHEMA_VERSION = MIGRATIONS.length

/** The tables the server made before versions existed: a version-0 file may hold these only. */
const V1_TABLES = new Set(['sessions', 'events'])

/** Throws unless the database is empty or this server's own, at a version it knows. Reads only:
 * called before anything writes (even the journal mode), so a refused file stays as it was. */
export function checkSchema(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > SCHEMA_VERSION) {
    throw new Error(`${path} has schema version ${version}, newer than this server knows (${SCHEMA_VERSION}); upgrade the server`)
  }
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((t) => t.name)
  // Another program's file (DATA_DIR pointed at the wrong place): migrating would add tables to it.
  const ours = version === 0 ? tables.every((t) => V1_TABLES.has(t)) : [...V1_TABLES].every((t) => tables.includes(t))
  if (!ours)
    throw new Error(`${path} is not a claude-agent-server database (tables: ${tables.join(', ')}); move it or choose another DATA_DIR`)
}

/** Brings the database up to SCHEMA_VERSION; refuses one made by a newer server or another program. */
export function migrate(db: Database.Database, path: string): void {
  checkSchema(db, path)
  const version = db.pragma('user_version', { simple: true }) as number
  for (let next = version; next < SCHEMA_VERSION; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!)
      db.pragma(`user_version = ${next + 1}`)
    })()
  }
}
