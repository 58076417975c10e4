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

// Webhook deliveries (webhooks/): one row per event and hook, its status and next try, so a
// delivery pending when the server stops is resumed by the next one; one row per attempt.
const V3_WEBHOOK_DELIVERIES = `
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
export const MIGRATIONS: readonly string[] = [V1_SESSIONS_AND_EVENTS, V2_PROMPT_UUIDS, V3_WEBHOOK_DELIVERIES]
export const SCHEMA_VERSION = MIGRATIONS.length

/** Brings the database up to SCHEMA_VERSION; refuses one made by a newer server. */
export function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > SCHEMA_VERSION) {
    throw new Error(`${path} has schema version ${version}, newer than this server knows (${SCHEMA_VERSION}); upgrade the server`)
  }
  for (let next = version; next < SCHEMA_VERSION; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!)
      db.pragma(`user_version = ${next + 1}`)
    })()
  }
}
