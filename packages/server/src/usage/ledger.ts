// Spending per session and per principal: the model gateway of each CLI run asks its meter
// before forwarding a request (admit) and tells it what each answer used (record). Totals and
// budgets live in the database, so they hold across restarts and across a session's CLI runs.
import { modelUsage } from '../metrics/metrics.js'
import type { Budget, BudgetExceededData, SessionUsageResponse, UsageTotals } from '@claude-agent/protocol'
import type { BudgetScope, UsageLog, UsageSums } from '../event-log/usage-log.js'
import { WEB_SEARCH_USD, costOf, type PriceTable } from './prices.js'
import type { MeteredAnswer } from './usage-tap.js'

/** Why a request may not go: the first budget reached. */
export type BudgetRefusal = BudgetExceededData

/** What one session's model gateway counts against. The gateway knows its session by the
 * socket it listens on, never by anything in a request. */
export interface ModelMeter {
  /** undefined: the request may go. */
  admit(): Promise<BudgetRefusal | undefined>
  /** Resolves once counted. */
  record(answer: MeteredAnswer): Promise<void>
}

/** Whose spending a session is. */
export interface MeteredSession {
  id: string
  conversationId: string
  /** null: the admins, counted against no principal budget. */
  principal: string | null
}

export interface BudgetDefaults {
  /** Every session's cap unless set through the API (SESSION_BUDGET_USD). */
  sessionUsd?: number | undefined
  /** Every principal's cap over all its sessions unless set through the API (PRINCIPAL_BUDGET_USD). */
  principalUsd?: number | undefined
}

const totals = (s: UsageSums): UsageTotals => ({
  requests: s.requests,
  inputTokens: s.input_tokens,
  outputTokens: s.output_tokens,
  cacheCreationInputTokens: s.cache_creation_input_tokens,
  cacheReadInputTokens: s.cache_read_input_tokens,
  costUsd: s.costUsd,
})

const ZERO: UsageSums = {
  requests: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  costUsd: 0,
}

function add(a: UsageSums, b: UsageSums): UsageSums {
  return {
    requests: a.requests + b.requests,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_creation_input_tokens: a.cache_creation_input_tokens + b.cache_creation_input_tokens,
    cache_read_input_tokens: a.cache_read_input_tokens + b.cache_read_input_tokens,
    costUsd: a.costUsd + b.costUsd,
  }
}

export class Ledger {
  constructor(
    private readonly log: UsageLog,
    private readonly prices: PriceTable,
    private readonly defaults: BudgetDefaults = {},
  ) {}

  meterFor(session: MeteredSession): ModelMeter {
    return {
      admit: () => this.refusal(session),
      record: async (answer) => {
        const costUsd = costOf(this.prices, answer.model, answer.usage) + (answer.webSearches ?? 0) * WEB_SEARCH_USD
        await this.log.add({
          sessionId: session.id,
          conversationId: session.conversationId,
          principal: session.principal,
          model: answer.model,
          usage: answer.usage,
          costUsd,
        })
        const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } = answer.usage
        modelUsage(
          { input: input_tokens, output: output_tokens, cacheRead: cache_read_input_tokens, cacheCreation: cache_creation_input_tokens },
          costUsd,
        )
      },
    }
  }

  /** The first budget the session or its principal has reached (spent >= limit). */
  async refusal(session: MeteredSession): Promise<BudgetRefusal | undefined> {
    const own = (await this.sessionBudget(session.conversationId)).limitUsd
    if (own !== null) {
      const spent = await this.log.sessionCost(session.conversationId)
      if (spent >= own) return { scope: 'session', id: session.id, spentUsd: spent, limitUsd: own }
    }
    if (session.principal === null) return undefined
    const theirs = (await this.principalBudget(session.principal)).limitUsd
    if (theirs === null) return undefined
    const spent = await this.log.principalCost(session.principal)
    return spent >= theirs ? { scope: 'principal', id: session.principal, spentUsd: spent, limitUsd: theirs } : undefined
  }

  async sessionUsage(session: MeteredSession): Promise<SessionUsageResponse> {
    const rows = await this.log.bySession(session.conversationId)
    return {
      session: session.id,
      principal: session.principal,
      usage: totals(rows.reduce<UsageSums>((sum, row) => add(sum, row), ZERO)),
      byModel: Object.fromEntries(rows.map((row) => [row.model, totals(row)])),
      budget: await this.sessionBudget(session.conversationId),
    }
  }

  async principalUsage(principal: string) {
    return { principal, usage: totals(await this.log.byPrincipal(principal)), budget: await this.principalBudget(principal) }
  }

  /** Principals that spent or have a budget of their own. */
  principals(): Promise<string[]> {
    return this.log.principals()
  }

  async setSessionBudget(session: MeteredSession, limitUsd: number | null): Promise<Budget> {
    await this.log.setBudget('session', session.conversationId, limitUsd)
    return this.sessionBudget(session.conversationId)
  }

  async setPrincipalBudget(principal: string, limitUsd: number | null): Promise<Budget> {
    await this.log.setBudget('principal', principal, limitUsd)
    return this.principalBudget(principal)
  }

  private sessionBudget(conversationId: string): Promise<Budget> {
    return this.budgetOf('session', conversationId, this.defaults.sessionUsd)
  }

  private principalBudget(principal: string): Promise<Budget> {
    return this.budgetOf('principal', principal, this.defaults.principalUsd)
  }

  private async budgetOf(scope: BudgetScope, key: string, fallback: number | undefined): Promise<Budget> {
    const own = await this.log.budget(scope, key)
    if (own !== undefined) return { limitUsd: own, source: 'own' }
    return fallback === undefined ? { limitUsd: null, source: 'none' } : { limitUsd: fallback, source: 'server' }
  }
}
