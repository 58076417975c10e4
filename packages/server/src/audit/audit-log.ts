// The audit log: who did what, when, from where, to which session. Other modules call
// `record` with the actor of the request and a small detail object; it never holds a secret:
// callers pass facts (a prompt's uuid and length, a program's name, a path), never content, and
// every string is scrubbed of the secrets the server knows besides. See docs/tenancy.md#the-audit-log.
import type { AuditAction, AuditEntry } from '@claude-agent/protocol'
import type { AuditRecord, AuditStore } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { Actor } from './actor.js'

/** Entries kept per principal: its oldest go beyond this. Per principal, so that one member's
 *  flood of cheap actions (interrupts with nothing to interrupt) cannot push everyone else's
 *  entries out; what it pushes out is its own, and the flood itself stays on record. */
export const DEFAULT_AUDIT_RETENTION = 100_000
/** Pruning walks `keep` index entries: done every this many of a principal's entries (at most 1%
 *  over the retention), not on each one. */
const PRUNE_SHARE = 100
const MAX_PRUNE_EVERY = 1000
const MAX_COUNTED_PRINCIPALS = 10_000
/** All principals together keep at most this many times the retention (a token per job, idle
 *  principals never pruned again: the log stays bounded whatever writes it). Checked as rarely. */
export const AUDIT_TOTAL_FACTOR = 10
/** Longest string a detail keeps (paths, program names). */
const MAX_DETAIL_STRING = 512

/** `null`: a setting cleared (a budget of no limit). */
export type AuditDetail = Record<string, string | number | boolean | null | undefined>

export interface AuditLogOptions {
  store: AuditStore
  scrub: (text: string) => string
  logger: Logger
  /** @default DEFAULT_AUDIT_RETENTION */
  retention?: number
}

export interface AuditFilter {
  sessionId?: string | undefined
  principal?: string | undefined
  after: number
  limit: number
}

export class AuditLog {
  private readonly retention: number
  private readonly pruneEvery: number
  /** Entries each principal wrote since its last prune (none yet: its first one prunes, which
   *  brings a log written before a restart back within the retention). */
  private readonly sincePrune = new Map<string, number>()
  /** Entries of all since the last prune of the total (undefined: none yet, the first prunes). */
  private sinceTotalPrune: number | undefined

  constructor(private readonly options: AuditLogOptions) {
    this.retention = Math.max(1, options.retention ?? DEFAULT_AUDIT_RETENTION)
    this.pruneEvery = Math.min(MAX_PRUNE_EVERY, Math.max(1, Math.floor(this.retention / PRUNE_SHARE)))
  }

  /** Records one action. Never throws: a failing audit write is logged, the action goes on. */
  record(actor: Actor, action: AuditAction, sessionId: string | undefined, detail: AuditDetail = {}): void {
    this.write(actor, action, sessionId, detail).catch(() => undefined)
  }

  /** Records one action before it is taken (fail closed): rejects with STORE_FAILED when the
   *  entry cannot be written, and the caller then does not act. For what must never happen
   *  unrecorded (a command run in a session). */
  async recordFirst(actor: Actor, action: AuditAction, sessionId: string | undefined, detail: AuditDetail = {}): Promise<void> {
    try {
      await this.write(actor, action, sessionId, detail)
    } catch (err) {
      if (err instanceof ServerError) throw err
      throw new ServerError('STORE_FAILED', `The audit log cannot record this ${action}, so it was not done`, undefined, { cause: err })
    }
  }

  /** Writes the entry; a failure is logged, then rejected. */
  private async write(actor: Actor, action: AuditAction, sessionId: string | undefined, detail: AuditDetail): Promise<void> {
    const { scrub } = this.options
    try {
      const principal = scrub(actor.principal)
      // Forgetting the counts (many principals: a token per job) only makes the next entries prune.
      if (this.sincePrune.size > MAX_COUNTED_PRINCIPALS) this.sincePrune.clear()
      const since = this.sincePrune.get(principal)
      const prune = since === undefined || since + 1 >= this.pruneEvery
      this.sincePrune.set(principal, prune ? 0 : since + 1)
      const total = this.retention * AUDIT_TOTAL_FACTOR
      const totalDue = this.sinceTotalPrune === undefined || this.sinceTotalPrune + 1 >= this.pruneEvery * AUDIT_TOTAL_FACTOR
      this.sinceTotalPrune = totalDue ? 0 : this.sinceTotalPrune! + 1
      await this.options.store.appendAudit(
        { at: Date.now(), principal, action, sessionId, remote: actor.remote, detail: cleanDetail(detail, scrub) },
        { ...(prune && { keep: this.retention }), ...(totalDue && { total }) },
      )
    } catch (err) {
      this.failed(action, err)
      throw err
    }
  }

  /** A page of entries, oldest first. */
  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    return (await this.options.store.listAudit(filter)).map(toEntry)
  }

  private failed(action: AuditAction, err: unknown): void {
    this.options.logger.error(`audit: cannot record ${action}: ${this.options.scrub(err instanceof Error ? err.message : String(err))}`)
  }
}

function cleanDetail(detail: AuditDetail, scrub: (text: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(detail)) {
    if (value === undefined) continue
    out[key] = typeof value === 'string' ? scrub(value).slice(0, MAX_DETAIL_STRING) : value
  }
  return out
}

function toEntry(record: AuditRecord): AuditEntry {
  return {
    id: record.id,
    at: new Date(record.at).toISOString(),
    principal: record.principal,
    action: record.action as AuditAction,
    ...(record.sessionId !== undefined && { sessionId: record.sessionId }),
    ...(record.remote !== undefined && { remote: record.remote }),
    detail: record.detail,
  }
}
