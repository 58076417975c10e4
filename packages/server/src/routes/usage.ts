// Spending: a session's model usage and budget, usage per principal, and setting budgets.
// Setting a budget is an admin's action: the HTTP gate says so (tenancy/route-access.ts:
// `session.budget`, and server-wide routes are admin only).
import {
  PrincipalIdSchema,
  SetBudgetRequestSchema,
  describeIssues,
  summarizeIssues,
  type SessionUsageResponse,
  type SetBudgetRequest,
  type SetBudgetResponse,
  type UsageResponse,
} from '@claude-agent/protocol'
import type { Context } from 'hono'
import { httpActor } from '../audit/actor.js'
import type { AuditLog } from '../audit/audit-log.js'
import { ServerError } from '../errors.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { HttpEnv, RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import type { SessionManager } from '../sessions/session-manager.js'
import type { Ledger } from '../usage/ledger.js'

async function budgetBody(c: Context<HttpEnv>): Promise<SetBudgetRequest> {
  const parsed = SetBudgetRequestSchema.safeParse(await readJsonBody(c))
  if (!parsed.success) {
    const issues = describeIssues(parsed.error)
    throw new ServerError('INVALID_REQUEST', `Invalid budget: ${summarizeIssues(issues)}`, { issues })
  }
  return parsed.data
}

/** A principal id as a token's label or a JWT's subject must be: a budget for any other
 * could never apply. */
function principalId(raw: string, where: string): string {
  const parsed = PrincipalIdSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ServerError('INVALID_REQUEST', `Invalid ${where}: no control characters and no comma, 1 to 256 characters`, {
      issues: [{ path: where, message: parsed.error.issues[0]?.message ?? 'invalid' }],
    })
  }
  return parsed.data
}

export interface UsageRoutesOptions {
  maxBodyBytes: number
  audit: AuditLog
}

export function usageRoutes(sessions: SessionManager, ledger: Ledger, options: UsageRoutesOptions): RouteModule {
  const { audit } = options
  return (app) => {
    app.get('/sessions/:id/usage', async (c) => {
      const session = sessions.get(c.req.param('id'))
      return jsonResponse<SessionUsageResponse>(await ledger.sessionUsage(session.metered))
    })
    app.put('/sessions/:id/budget', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      sessions.get(c.req.param('id'))
      const { limitUsd } = await budgetBody(c)
      // Looked up again once the body is in: a session deleted meanwhile is 404, not a budget kept for nobody.
      const session = sessions.get(c.req.param('id'))
      const budget = await ledger.setSessionBudget(session.metered, limitUsd)
      audit.record(httpActor(c), 'budget_set', session.id, { scope: 'session', limitUsd })
      return jsonResponse<SetBudgetResponse>({ budget })
    })
    app.get('/usage', async (c) => {
      const only = c.req.query('principal')
      const principals = only === undefined ? await ledger.principals() : [principalId(only, 'principal')]
      return jsonResponse<UsageResponse>({ principals: await Promise.all(principals.map((p) => ledger.principalUsage(p))) })
    })
    app.put('/principals/:id/budget', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      const { limitUsd } = await budgetBody(c)
      const principal = principalId(c.req.param('id'), 'id')
      const budget = await ledger.setPrincipalBudget(principal, limitUsd)
      audit.record(httpActor(c), 'budget_set', undefined, { scope: 'principal', id: principal, limitUsd })
      return jsonResponse<SetBudgetResponse>({ budget })
    })
  }
}
