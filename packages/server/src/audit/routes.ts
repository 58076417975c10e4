// GET /audit?session=&principal=&after=&limit=: the audit log in pages, oldest first. Only admins
// get here: the HTTP gate maps /audit to `audit.read` (tenancy/route-access.ts).
import type { AuditListResponse } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { RouteModule } from '../http/http-app.js'
import { parseLimit } from '../http/query.js'
import { jsonResponse } from '../http/respond.js'
import type { AuditLog } from './audit-log.js'

function parseAfter(raw: string | undefined): number {
  if (raw === undefined) return 0
  const after = Number(raw)
  if (raw.trim() === '' || !Number.isSafeInteger(after) || after < 0) {
    throw new ServerError('INVALID_REQUEST', `after must be a non-negative integer, got "${raw.slice(0, 32)}"`, {
      issues: [{ path: 'after', message: 'non-negative integer' }],
    })
  }
  return after
}

export function auditRoutes(audit: AuditLog): RouteModule {
  return (app) => {
    app.get('/audit', async (c) => {
      const after = parseAfter(c.req.query('after'))
      const limit = parseLimit(c.req.query('limit') ?? null)
      const entries = await audit.list({ after, limit, sessionId: c.req.query('session'), principal: c.req.query('principal') })
      const last = entries.at(-1)
      return jsonResponse<AuditListResponse>({ entries, ...(entries.length === limit && last && { next: last.id }) })
    })
  }
}
