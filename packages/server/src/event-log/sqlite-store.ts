// The one module that reads and writes the database: sessions, their event logs and prompt
// uuids in one file.
// WAL with synchronous=NORMAL: a committed append survives the process being killed.
// The schema and its versions are in schema.ts.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SessionConfig, SessionState } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { EventFrame, SessionRecord, StoredEvent, Store } from './event-log.js'
import { migrate } from './schema.js'

interface SessionRow {
  id: string
  conversation_id: string
  created_at: string
  config: string
  state: string
  allowed_tools: string
}
interface EventRow {
  seq: number
  at: number
  frame: string
}

const toRecord = (row: SessionRow): SessionRecord => ({
  id: row.id,
  conversationId: row.conversation_id,
  createdAt: row.created_at,
  config: JSON.parse(row.config) as SessionConfig,
  state: row.state as SessionState,
  allowedTools: JSON.parse(row.allowed_tools) as string[],
})

export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly lastSeqs = new Map<string, number>()
  private readonly stmt

  /** @param path a file path, or ':memory:' */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    try {
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      migrate(this.db, path)
    } catch (err) {
      this.db.close()
      // e.g. "file is not a database": the operator needs to know which file.
      throw err instanceof Error && !err.message.includes(path) ? new Error(`${path}: ${err.message}`, { cause: err }) : err
    }
    this.stmt = {
      insertEvent: this.db.prepare('INSERT INTO events (session_id, seq, at, type, frame) VALUES (?, ?, ?, ?, ?)'),
      readEvents: this.db.prepare<[string, number, number], EventRow>(
        'SELECT seq, at, frame FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      insertSession: this.db.prepare(
        'INSERT INTO sessions (id, conversation_id, created_at, config, state, allowed_tools) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      listSessions: this.db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at, id'),
      updateState: this.db.prepare('UPDATE sessions SET state = ? WHERE id = ?'),
      updateConfig: this.db.prepare('UPDATE sessions SET config = ? WHERE id = ?'),
      updateAllowedTools: this.db.prepare('UPDATE sessions SET allowed_tools = ? WHERE id = ?'),
      deleteSession: this.db.prepare('DELETE FROM sessions WHERE id = ?'),
      deleteEvents: this.db.prepare('DELETE FROM events WHERE session_id = ?'),
      insertPrompt: this.db.prepare('INSERT OR IGNORE INTO prompts (session_id, uuid, at) VALUES (?, ?, ?)'),
      hasPrompt: this.db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM prompts WHERE session_id = ? AND uuid = ?'),
      deletePrompts: this.db.prepare('DELETE FROM prompts WHERE session_id = ?'),
    }
    const maxima = this.db
      .prepare<[], { session_id: string; last: number }>('SELECT session_id, MAX(seq) AS last FROM events GROUP BY session_id')
      .all()
    for (const { session_id, last } of maxima) this.lastSeqs.set(session_id, last)
  }

  append(sessionId: string, frame: EventFrame): StoredEvent {
    const seq = (this.lastSeqs.get(sessionId) ?? 0) + 1
    const at = Date.now()
    const text = JSON.stringify({ ...frame, seq })
    this.stmt.insertEvent.run(sessionId, seq, at, frame.type, text)
    this.lastSeqs.set(sessionId, seq)
    return { sessionId, seq, at, text }
  }

  read(sessionId: string, afterSeq: number, limit: number): StoredEvent[] {
    return this.stmt.readEvents.all(sessionId, afterSeq, limit).map((row) => ({ sessionId, seq: row.seq, at: row.at, text: row.frame }))
  }

  readTypes(sessionId: string, types: readonly EventFrame['type'][], afterSeq: number, limit: number): StoredEvent[] {
    const marks = types.map(() => '?').join(', ')
    return this.db
      .prepare<unknown[], EventRow>(
        `SELECT seq, at, frame FROM events WHERE session_id = ? AND seq > ? AND type IN (${marks}) ORDER BY seq LIMIT ?`,
      )
      .all(sessionId, afterSeq, ...types, limit)
      .map((row) => ({ sessionId, seq: row.seq, at: row.at, text: row.frame }))
  }

  lastSeq(sessionId: string): number {
    return this.lastSeqs.get(sessionId) ?? 0
  }

  insertSession(record: SessionRecord): void {
    try {
      this.stmt.insertSession.run(
        record.id,
        record.conversationId,
        record.createdAt,
        JSON.stringify(record.config),
        record.state,
        JSON.stringify(record.allowedTools),
      )
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new ServerError('SESSION_EXISTS', `A session with id "${record.id}" already exists`)
      }
      throw err
    }
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.stmt.getSession.get(id)
    return row && toRecord(row)
  }

  listSessions(): SessionRecord[] {
    return this.stmt.listSessions.all().map(toRecord)
  }

  updateSessionState(id: string, state: SessionState): void {
    this.stmt.updateState.run(state, id)
  }

  updateSessionConfig(id: string, config: SessionConfig): void {
    this.stmt.updateConfig.run(JSON.stringify(config), id)
  }

  updateAllowedTools(id: string, tools: string[]): void {
    this.stmt.updateAllowedTools.run(JSON.stringify(tools), id)
  }

  rememberPrompt(sessionId: string, uuid: string): boolean {
    return this.stmt.insertPrompt.run(sessionId, uuid, Date.now()).changes === 1
  }

  hasPrompt(sessionId: string, uuid: string): boolean {
    return this.stmt.hasPrompt.get(sessionId, uuid) !== undefined
  }

  deleteSession(id: string): void {
    this.db.transaction(() => {
      this.stmt.deleteEvents.run(id)
      this.stmt.deletePrompts.run(id)
      this.stmt.deleteSession.run(id)
    })()
    this.lastSeqs.delete(id)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
