// Rows as both stores read them (SQLite and PostgreSQL share column names and encodings:
// JSON text for config, tools and readers), and the records they become.
import { randomUUID } from 'node:crypto'
import type { Role, SessionConfig, SessionState } from '@claude-agent/protocol'
import type { AuditRecord, SessionRecord, StoredEvent, TokenRecord } from './event-log.js'

/** A session not yet stored: suspended, no config, nothing allowed, the admins', shared with none. */
export const newSessionRecord = (id: string, fields: Partial<Omit<SessionRecord, 'id'>> = {}): SessionRecord => ({
  id,
  conversationId: randomUUID(),
  createdAt: new Date().toISOString(),
  config: {},
  state: 'suspended',
  allowedTools: [],
  owner: null,
  readers: [],
  ...fields,
})

export interface EventRow {
  seq: number
  at: number
  frame: string
}

/** A read's rows as the session's events (the frame text is sent as stored). */
export const toStoredEvents = (sessionId: string, rows: EventRow[]): StoredEvent[] =>
  rows.map((row) => ({ sessionId, seq: row.seq, at: row.at, text: row.frame }))

export interface SessionRow {
  id: string
  conversation_id: string
  created_at: string
  config: string
  state: string
  allowed_tools: string
  owner: string | null
  readers: string
}
export interface TokenRow {
  id: string
  label: string
  role: string
  digest: string
  created_at: string
  created_by: string
}

export const toSessionRecord = (row: SessionRow): SessionRecord => ({
  id: row.id,
  conversationId: row.conversation_id,
  createdAt: row.created_at,
  config: JSON.parse(row.config) as SessionConfig,
  state: row.state as SessionState,
  allowedTools: JSON.parse(row.allowed_tools) as string[],
  owner: row.owner,
  readers: JSON.parse(row.readers) as string[],
})

export const toTokenRecord = (row: TokenRow): TokenRecord => ({
  id: row.id,
  label: row.label,
  role: row.role as Role,
  digest: row.digest,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

export interface AuditRow {
  id: number
  at: number
  principal: string
  action: string
  session_id: string | null
  remote: string | null
  detail: string
}

export const toAuditRecord = (row: AuditRow): AuditRecord => ({
  id: row.id,
  at: row.at,
  principal: row.principal,
  action: row.action,
  sessionId: row.session_id ?? undefined,
  remote: row.remote ?? undefined,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
})
