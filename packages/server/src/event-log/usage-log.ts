// Model usage and budgets in the server's database: one row per (session, model) summing the
// answers the model gateway counted, and the budgets set through the API. A session's usage is
// kept after the session is deleted, so that deleting it does not reset its principal's spending.
import type Database from 'better-sqlite3'
import type { SqliteWrites } from './sqlite-writes.js'
import type { TokenUsage } from '../usage/prices.js'

export type BudgetScope = 'session' | 'principal'

/** One counted answer. `conversationId` keys the session: a new session with a reused id starts at zero. */
export interface UsageEntry {
  sessionId: string
  conversationId: string
  principal: string | null
  model: string
  usage: TokenUsage
  costUsd: number
}

export interface UsageSums extends TokenUsage {
  requests: number
  costUsd: number
}

export interface UsageLog {
  add(entry: UsageEntry): Promise<void>
  /** A session's sums by model. */
  bySession(conversationId: string): Promise<Array<UsageSums & { model: string }>>
  sessionCost(conversationId: string): Promise<number>
  byPrincipal(principal: string): Promise<UsageSums>
  principalCost(principal: string): Promise<number>
  /** Principals that spent or have a budget of their own. */
  principals(): Promise<string[]>
  /** undefined: none set (the server's default applies); null: no limit. */
  budget(scope: BudgetScope, key: string): Promise<number | null | undefined>
  setBudget(scope: BudgetScope, key: string, limitUsd: number | null): Promise<void>
}

export interface SumsRow {
  requests: number | null
  input_tokens: number | null
  output_tokens: number | null
  cache_creation_input_tokens: number | null
  cache_read_input_tokens: number | null
  cost_usd: number | null
}

const SUMS = `SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(cache_creation_input_tokens) AS cache_creation_input_tokens, SUM(cache_read_input_tokens) AS cache_read_input_tokens,
  SUM(cost_usd) AS cost_usd`

export const toSums = (row: SumsRow | undefined): UsageSums => ({
  requests: row?.requests ?? 0,
  input_tokens: row?.input_tokens ?? 0,
  output_tokens: row?.output_tokens ?? 0,
  cache_creation_input_tokens: row?.cache_creation_input_tokens ?? 0,
  cache_read_input_tokens: row?.cache_read_input_tokens ?? 0,
  costUsd: row?.cost_usd ?? 0,
})

/** Entries a cache holds before it starts again (one per session or principal asked about). */
const CACHED_MAX = 10_000

export class SqliteUsageLog implements UsageLog {
  private readonly stmt
  /** What the model gateway reads before every request (budgets, and what was spent against
   * them), kept in memory: this server is the file's only writer (data-dir-lock.ts). Each
   * write drops what it changes, inside its transaction, so the first read after it reads
   * the file again (a read runs the queued writes first): a budget holds exactly. */
  private readonly budgets = new Map<string, number | null | undefined>()
  /** Spent, keyed `s:` conversation or `p:` principal. */
  private readonly costs = new Map<string, number>()

  constructor(
    db: Database.Database,
    private readonly writes: SqliteWrites,
  ) {
    this.stmt = {
      add: db.prepare(`INSERT INTO model_usage (conversation_id, model, session_id, principal, requests, input_tokens, output_tokens,
          cache_creation_input_tokens, cache_read_input_tokens, cost_usd) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
        ON CONFLICT (conversation_id, model) DO UPDATE SET requests = requests + 1,
          input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
          cache_creation_input_tokens = cache_creation_input_tokens + excluded.cache_creation_input_tokens,
          cache_read_input_tokens = cache_read_input_tokens + excluded.cache_read_input_tokens,
          cost_usd = cost_usd + excluded.cost_usd`),
      bySession: db.prepare<[string], SumsRow & { model: string }>(
        `SELECT model, ${SUMS} FROM model_usage WHERE conversation_id = ? GROUP BY model ORDER BY model`,
      ),
      sessionCost: db.prepare<[string], { cost: number | null }>('SELECT SUM(cost_usd) AS cost FROM model_usage WHERE conversation_id = ?'),
      byPrincipal: db.prepare<[string], SumsRow>(`SELECT ${SUMS} FROM model_usage WHERE principal = ?`),
      principalCost: db.prepare<[string], { cost: number | null }>('SELECT SUM(cost_usd) AS cost FROM model_usage WHERE principal = ?'),
      principals: db.prepare<[], { principal: string }>(
        `SELECT principal FROM model_usage WHERE principal IS NOT NULL
         UNION SELECT key AS principal FROM budgets WHERE scope = 'principal' ORDER BY principal`,
      ),
      budget: db.prepare<[string, string], { limit_usd: number | null }>('SELECT limit_usd FROM budgets WHERE scope = ? AND key = ?'),
      setBudget: db.prepare(
        'INSERT INTO budgets (scope, key, limit_usd) VALUES (?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET limit_usd = excluded.limit_usd',
      ),
    }
  }

  add(e: UsageEntry): Promise<void> {
    const u = e.usage
    return this.writes.run(() => {
      this.stmt.add.run(
        e.conversationId,
        e.model,
        e.sessionId,
        e.principal,
        u.input_tokens,
        u.output_tokens,
        u.cache_creation_input_tokens,
        u.cache_read_input_tokens,
        e.costUsd,
      )
      // All of them: a row keeps the principal it was first counted for, which may not be e's.
      this.costs.clear()
    })
  }

  async bySession(conversationId: string): Promise<Array<UsageSums & { model: string }>> {
    this.writes.flush()
    return this.stmt.bySession.all(conversationId).map((row) => ({ model: row.model, ...toSums(row) }))
  }

  async sessionCost(conversationId: string): Promise<number> {
    return this.cost(`s:${conversationId}`, () => this.stmt.sessionCost.get(conversationId)?.cost ?? 0)
  }

  async byPrincipal(principal: string): Promise<UsageSums> {
    this.writes.flush()
    return toSums(this.stmt.byPrincipal.get(principal))
  }

  async principalCost(principal: string): Promise<number> {
    return this.cost(`p:${principal}`, () => this.stmt.principalCost.get(principal)?.cost ?? 0)
  }

  private cost(key: string, read: () => number): number {
    this.writes.flush()
    let spent = this.costs.get(key)
    if (spent === undefined) {
      if (this.costs.size >= CACHED_MAX) this.costs.clear()
      this.costs.set(key, (spent = read()))
    }
    return spent
  }

  async principals(): Promise<string[]> {
    this.writes.flush()
    return this.stmt.principals.all().map((row) => row.principal)
  }

  async budget(scope: BudgetScope, key: string): Promise<number | null | undefined> {
    this.writes.flush()
    const cacheKey = `${scope}:${key}`
    if (this.budgets.has(cacheKey)) return this.budgets.get(cacheKey)
    const row = this.stmt.budget.get(scope, key)
    const limit = row === undefined ? undefined : row.limit_usd
    if (this.budgets.size >= CACHED_MAX) this.budgets.clear()
    this.budgets.set(cacheKey, limit)
    return limit
  }

  setBudget(scope: BudgetScope, key: string, limitUsd: number | null): Promise<void> {
    return this.writes.run(() => {
      this.stmt.setBudget.run(scope, key, limitUsd)
      this.budgets.delete(`${scope}:${key}`)
    })
  }
}
