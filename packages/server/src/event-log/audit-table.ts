// The audit log's rows in the server's SQLite file: appended, read in pages, and bounded (the
// oldest rows go once there are more than the retention keeps).
import type Database from 'better-sqlite3'
import type { AuditQuery, AuditRecord, NewAuditRecord } from './event-log.js'
import { toAuditRecord, type AuditRow } from './rows.js'

/** Synchronous: the store runs its writes in its write groups. */
export class AuditTable {
  private readonly insert
  private readonly prune

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO audit (at, principal, action, session_id, remote, detail) VALUES (@at, @principal, @action, @sessionId, @remote, @detail)',
    )
    this.prune = db.prepare('DELETE FROM audit WHERE id <= ?')
  }

  appendAudit(record: NewAuditRecord, keep: number): AuditRecord {
    const row = { ...record, sessionId: record.sessionId ?? null, remote: record.remote ?? null, detail: JSON.stringify(record.detail) }
    const id = Number(this.insert.run(row).lastInsertRowid)
    // Ids only grow (AUTOINCREMENT), so the newest `keep` rows are the ones above id - keep.
    if (id > keep) this.prune.run(id - keep)
    return { ...record, id }
  }

  listAudit(query: AuditQuery): AuditRecord[] {
    const where = ['id > @after']
    if (query.sessionId !== undefined) where.push('session_id = @sessionId')
    if (query.principal !== undefined) where.push('principal = @principal')
    return this.db
      .prepare<Record<string, unknown>, AuditRow>(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`)
      .all({ after: query.after, limit: query.limit, sessionId: query.sessionId, principal: query.principal })
      .map(toAuditRecord)
  }
}
