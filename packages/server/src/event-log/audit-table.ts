// The audit log's rows in the server's SQLite file: appended, read in pages, and bounded per
// principal (a principal's oldest rows go once it has more than the retention keeps).
import type Database from 'better-sqlite3'
import type { AuditPrune, AuditQuery, AuditRecord, NewAuditRecord } from './event-log.js'
import { toAuditRecord, type AuditRow } from './rows.js'

/** Synchronous: the store runs its writes in its write groups. */
export class AuditTable {
  private readonly insert
  private readonly prune
  private readonly pruneAll

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO audit (at, principal, action, session_id, remote, detail) VALUES (@at, @principal, @action, @sessionId, @remote, @detail)',
    )
    // Below the principal's keep-th newest id (audit_by_principal); none when it has fewer.
    this.prune = db.prepare(
      'DELETE FROM audit WHERE principal = @principal AND id < (SELECT id FROM audit WHERE principal = @principal ORDER BY id DESC LIMIT 1 OFFSET @offset)',
    )
    // Below the total-th newest id of all (ids have gaps where principals were pruned).
    this.pruneAll = db.prepare('DELETE FROM audit WHERE id < (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET @offset)')
  }

  appendAudit(record: NewAuditRecord, prune: AuditPrune = {}): AuditRecord {
    const row = { ...record, sessionId: record.sessionId ?? null, remote: record.remote ?? null, detail: JSON.stringify(record.detail) }
    const id = Number(this.insert.run(row).lastInsertRowid)
    if (prune.keep !== undefined) this.prune.run({ principal: record.principal, offset: prune.keep - 1 })
    if (prune.total !== undefined) this.pruneAll.run({ offset: prune.total - 1 })
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
