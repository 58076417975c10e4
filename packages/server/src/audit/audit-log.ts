// The audit log: who did what, when, from where, to which session. Other modules call
// `record` with the actor of the request and a small detail object; it never holds a secret:
// callers pass facts (a prompt's uuid and length, a program's name, a path), never content, and
// every string is scrubbed of the secrets the server knows besides. See docs/tenancy.md#the-audit-log.
import type { AuditAction, AuditEntry } from '@claude-agent/protocol'
import type { AuditRecord, AuditStore } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import type { Actor } from './actor.js'

/** Entries kept: the oldest go beyond this. */
export const DEFAULT_AUDIT_RETENTION = 100_000
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

  constructor(private readonly options: AuditLogOptions) {
    this.retention = Math.max(1, options.retention ?? DEFAULT_AUDIT_RETENTION)
  }

  /** Records one action. Never throws: a failing audit write is logged, the action goes on. */
  record(actor: Actor, action: AuditAction, sessionId: string | undefined, detail: AuditDetail = {}): void {
    const { scrub } = this.options
    try {
      const written = this.options.store.appendAudit(
        {
          at: Date.now(),
          principal: scrub(actor.principal),
          action,
          sessionId,
          remote: actor.remote,
          detail: cleanDetail(detail, scrub),
        },
        this.retention,
      )
      written.catch((err: unknown) => this.failed(action, err))
    } catch (err) {
      this.failed(action, err)
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
