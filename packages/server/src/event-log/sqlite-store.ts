// The one module that reads and writes the database: sessions, their event logs, prompt
// uuids, the audit log (audit-table.ts) and webhook deliveries (delivery-log.ts) in one file
// (model usage and budgets in usage-log.ts, on the same connection). better-sqlite3 is
// synchronous: the async methods wrap it; writes are grouped per tick (sqlite-writes.ts), and
// every read first runs the writes queued before it.
// WAL with synchronous=NORMAL: a committed append survives the process being killed. The WAL
// is checkpointed on a worker thread, not inside a commit (wal-checkpointer.ts).
// The schema and its versions are in schema.ts.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SessionConfig, SessionState } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import { AppendObservers } from './append-observers.js'
import { AuditTable } from './audit-table.js'
import type {
  AppendFence,
  AppendObserver,
  AuditQuery,
  AuditRecord,
  EventFrame,
  NewAuditRecord,
  SessionRecord,
  StoredEvent,
  Store,
  TokenRecord,
  AuditPrune,
} from './event-log.js'
import { SqliteDeliveryLog, type DeliveryLog } from './delivery-log.js'
import { toSessionRecord, toStoredEvents, toTokenRecord, type EventRow, type SessionRow, type TokenRow } from './rows.js'
import { checkSchema, migrate } from './schema.js'
import { SqliteUsageLog } from './usage-log.js'
import { SqliteWrites } from './sqlite-writes.js'
import { WalCheckpointer, type CheckpointResult } from './wal-checkpointer.js'

export interface SqliteStoreOptions {
  /** Commits between two checkpoints of the WAL (wal-checkpointer.ts). */
  checkpointEveryCommits?: number
  /** Told each checkpoint's result (tests). */
  onCheckpoint?: (result: CheckpointResult) => void
}

export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly lastSeqs = new Map<string, number>()
  private readonly stmt
  private readonly audit: AuditTable
  private readonly writes: SqliteWrites
  readonly usage: SqliteUsageLog
  private readonly observers = new AppendObservers()
  readonly deliveries: DeliveryLog
  private readonly checkpointer: WalCheckpointer | undefined

  /** @param path a file path, or ':memory:' */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    try {
      // First, before the journal mode is written: a file this server must not touch stays as it was.
      checkSchema(this.db, path)
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
        'INSERT INTO sessions (id, conversation_id, created_at, config, state, allowed_tools, owner, readers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getSession: this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      listSessions: this.db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at, id'),
      updateState: this.db.prepare('UPDATE sessions SET state = ? WHERE id = ?'),
      updateConfig: this.db.prepare('UPDATE sessions SET config = ? WHERE id = ?'),
      updateAllowedTools: this.db.prepare('UPDATE sessions SET allowed_tools = ? WHERE id = ?'),
      updateReaders: this.db.prepare('UPDATE sessions SET readers = ? WHERE id = ?'),
      deleteSession: this.db.prepare('DELETE FROM sessions WHERE id = ?'),
      insertToken: this.db.prepare(
        'INSERT INTO tokens (id, label, role, digest, created_at, created_by) VALUES (@id, @label, @role, @digest, @createdAt, @createdBy)',
      ),
      listTokens: this.db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id'),
      findToken: this.db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE digest = ?'),
      deleteToken: this.db.prepare('DELETE FROM tokens WHERE id = ?'),
      deleteEvents: this.db.prepare('DELETE FROM events WHERE session_id = ?'),
      insertPrompt: this.db.prepare('INSERT OR IGNORE INTO prompts (session_id, uuid, at) VALUES (?, ?, ?)'),
      hasPrompt: this.db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM prompts WHERE session_id = ? AND uuid = ?'),
      deletePrompts: this.db.prepare('DELETE FROM prompts WHERE session_id = ?'),
    }
    this.checkpointer =
      path === ':memory:' ? undefined : new WalCheckpointer(this.db, path, options.checkpointEveryCommits, options.onCheckpoint)
    this.writes = new SqliteWrites(this.db, this.checkpointer && (() => this.checkpointer!.committed()))
    this.audit = new AuditTable(this.db)
    this.usage = new SqliteUsageLog(this.db, this.writes)
    this.deliveries = new SqliteDeliveryLog(this.db, this.writes)
    const maxima = this.db
      .prepare<[], { session_id: string; last: number }>('SELECT session_id, MAX(seq) AS last FROM events GROUP BY session_id')
      .all()
    for (const { session_id, last } of maxima) this.lastSeqs.set(session_id, last)
  }

  append(sessionId: string, frame: EventFrame, _fence?: AppendFence): Promise<StoredEvent> {
    // One server per data dir (data-dir-lock.ts): the seqs in memory are the file's.
    return this.writes.run(
      () => {
        const seq = (this.lastSeqs.get(sessionId) ?? 0) + 1
        const at = Date.now()
        const text = JSON.stringify({ ...frame, seq })
        this.stmt.insertEvent.run(sessionId, seq, at, frame.type, text)
        this.lastSeqs.set(sessionId, seq)
        return { sessionId, seq, at, text }
      },
      {
        committed: (event) => this.observers.tell(event, frame),
        undo: (event) => this.lastSeqs.set(event.sessionId, event.seq - 1),
      },
    )
  }

  observeAppends(observer: AppendObserver): () => void {
    return this.observers.add(observer)
  }

  async read(sessionId: string, afterSeq: number, limit: number, maxSize = Infinity): Promise<StoredEvent[]> {
    this.writes.flush()
    // Row by row, so that SQLite stops reading where the page is full.
    const rows: EventRow[] = []
    let chars = 0
    for (const row of this.stmt.readEvents.iterate(sessionId, afterSeq, limit)) {
      if (chars >= maxSize) break
      rows.push(row)
      chars += row.frame.length
    }
    return toStoredEvents(sessionId, rows)
  }

  async readTypes(sessionId: string, types: readonly EventFrame['type'][], afterSeq: number, limit: number): Promise<StoredEvent[]> {
    this.writes.flush()
    const marks = types.map(() => '?').join(', ')
    const rows = this.db
      .prepare<unknown[], EventRow>(
        `SELECT seq, at, frame FROM events WHERE session_id = ? AND seq > ? AND type IN (${marks}) ORDER BY seq LIMIT ?`,
      )
      .all(sessionId, afterSeq, ...types, limit)
    return toStoredEvents(sessionId, rows)
  }

  async lastSeq(sessionId: string): Promise<number> {
    this.writes.flush()
    return this.lastSeqs.get(sessionId) ?? 0
  }

  async lastSeqsOf(sessionIds: readonly string[]): Promise<Map<string, number>> {
    this.writes.flush()
    return new Map(sessionIds.map((id) => [id, this.lastSeqs.get(id) ?? 0]))
  }

  insertSession(record: SessionRecord): Promise<void> {
    return this.writes.run(() => {
      try {
        this.stmt.insertSession.run(
          record.id,
          record.conversationId,
          record.createdAt,
          JSON.stringify(record.config),
          record.state,
          JSON.stringify(record.allowedTools),
          record.owner,
          JSON.stringify(record.readers),
        )
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new ServerError('SESSION_EXISTS', `A session with id "${record.id}" already exists`)
        }
        throw err
      }
    })
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    this.writes.flush()
    const row = this.stmt.getSession.get(id)
    return row && toSessionRecord(row)
  }

  async listSessions(): Promise<SessionRecord[]> {
    this.writes.flush()
    return this.stmt.listSessions.all().map(toSessionRecord)
  }

  updateSessionState(id: string, state: SessionState, _fence?: AppendFence): Promise<void> {
    return this.writes.run(() => void this.stmt.updateState.run(state, id))
  }

  updateSessionConfig(id: string, config: SessionConfig, _fence?: AppendFence): Promise<void> {
    const text = JSON.stringify(config)
    return this.writes.run(() => void this.stmt.updateConfig.run(text, id))
  }

  updateAllowedTools(id: string, tools: string[], _fence?: AppendFence): Promise<void> {
    const text = JSON.stringify(tools)
    return this.writes.run(() => void this.stmt.updateAllowedTools.run(text, id))
  }

  updateReaders(id: string, readers: string[], _fence?: AppendFence): Promise<void> {
    const text = JSON.stringify(readers)
    return this.writes.run(() => void this.stmt.updateReaders.run(text, id))
  }

  insertToken(record: TokenRecord): Promise<void> {
    return this.writes.run(() => void this.stmt.insertToken.run(record))
  }

  async listTokens(): Promise<TokenRecord[]> {
    this.writes.flush()
    return this.stmt.listTokens.all().map(toTokenRecord)
  }

  async findToken(digest: string): Promise<TokenRecord | undefined> {
    this.writes.flush()
    const row = this.stmt.findToken.get(digest)
    return row && toTokenRecord(row)
  }

  deleteToken(id: string): Promise<boolean> {
    return this.writes.run(() => this.stmt.deleteToken.run(id).changes === 1)
  }

  rememberPrompt(sessionId: string, uuid: string, _fence?: AppendFence): Promise<boolean> {
    return this.writes.run(() => this.stmt.insertPrompt.run(sessionId, uuid, Date.now()).changes === 1)
  }

  async hasPrompt(sessionId: string, uuid: string): Promise<boolean> {
    this.writes.flush()
    return this.stmt.hasPrompt.get(sessionId, uuid) !== undefined
  }

  async deleteSession(id: string): Promise<void> {
    await this.writes.run(
      () => {
        this.stmt.deleteEvents.run(id)
        this.stmt.deletePrompts.run(id)
        this.stmt.deleteSession.run(id)
        const last = this.lastSeqs.get(id)
        this.lastSeqs.delete(id)
        return last
      },
      { undo: (last) => void (last !== undefined && this.lastSeqs.set(id, last)) },
    )
  }

  appendAudit(record: NewAuditRecord, prune?: AuditPrune): Promise<AuditRecord> {
    return this.writes.run(() => this.audit.appendAudit(record, prune))
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    this.writes.flush()
    return this.audit.listAudit(query)
  }

  async close(): Promise<void> {
    this.writes.flush()
    await this.checkpointer?.close()
    if (this.db.open) this.db.close()
  }
}
