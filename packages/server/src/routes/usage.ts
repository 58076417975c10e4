// Spending: a session's model usage and budget, usage per principal, and setting budgets.
// Setting a budget is an admin's action: the HTTP gate says so (tenancy/route-access.ts:
// `session.budget`, and server-wide routes are admin only).
import {
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
      const session = sessions.get(c.req.param('id'))
      const { limitUsd } = await budgetBody(c)
      const budget = await ledger.setSessionBudget(session.metered, limitUsd)
      audit.record(httpActor(c), 'budget_set', session.id, { scope: 'session', limitUsd })
      return jsonResponse<SetBudgetResponse>({ budget })
    })
    app.get('/usage', async (c) => {
      const only = c.req.query('principal')
      if (only === '')
        throw new ServerError('INVALID_REQUEST', 'principal must not be empty', { issues: [{ path: 'principal', message: 'empty' }] })
      const principals = only === undefined ? await ledger.principals() : [only]
      return jsonResponse<UsageResponse>({ principals: await Promise.all(principals.map((p) => ledger.principalUsage(p))) })
    })
    app.put('/principals/:id/budget', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      const { limitUsd } = await budgetBody(c)
      const principal = c.req.param('id')
      const budget = await ledger.setPrincipalBudget(principal, limitUsd)
      audit.record(httpActor(c), 'budget_set', undefined, { scope: 'principal', id: principal, limitUsd })
      return jsonResponse<SetBudgetResponse>({ budget })
    })
  }
}
