// Model usage and budgets in PostgreSQL: the same rows and sums as SQLite's (usage-log.ts).
import type pg from 'pg'
import { toSums, type BudgetScope, type SumsRow, type UsageEntry, type UsageLog, type UsageSums } from './usage-log.js'
import { pgText } from './postgres-pool.js'
import type { PostgresWrites } from './postgres-writes.js'

const SUMS = `SUM(requests)::float8 AS requests, SUM(input_tokens)::float8 AS input_tokens,
  SUM(output_tokens)::float8 AS output_tokens, SUM(cache_creation_input_tokens)::float8 AS cache_creation_input_tokens,
  SUM(cache_read_input_tokens)::float8 AS cache_read_input_tokens, SUM(cost_usd) AS cost_usd`

export class PostgresUsageLog implements UsageLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: PostgresWrites,
  ) {}

  add(e: UsageEntry): Promise<void> {
    const u = e.usage
    const params = [
      pgText(e.conversationId),
      pgText(e.model),
      pgText(e.sessionId),
      e.principal === null ? null : pgText(e.principal),
      u.input_tokens,
      u.output_tokens,
      u.cache_creation_input_tokens,
      u.cache_read_input_tokens,
      e.costUsd,
    ]
    return this.writes.run(async (client) => {
      await client.query(
        `INSERT INTO model_usage AS m (conversation_id, model, session_id, principal, requests, input_tokens, output_tokens,
          cache_creation_input_tokens, cache_read_input_tokens, cost_usd) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9)
        ON CONFLICT (conversation_id, model) DO UPDATE SET requests = m.requests + 1,
          input_tokens = m.input_tokens + excluded.input_tokens, output_tokens = m.output_tokens + excluded.output_tokens,
          cache_creation_input_tokens = m.cache_creation_input_tokens + excluded.cache_creation_input_tokens,
          cache_read_input_tokens = m.cache_read_input_tokens + excluded.cache_read_input_tokens,
          cost_usd = m.cost_usd + excluded.cost_usd`,
        params,
      )
    })
  }

  async bySession(conversationId: string): Promise<Array<UsageSums & { model: string }>> {
    const rows = await this.rows<SumsRow & { model: string }>(
      `SELECT model, ${SUMS} FROM model_usage WHERE conversation_id = $1 GROUP BY model ORDER BY model`,
      [pgText(conversationId)],
    )
    return rows.map((row) => ({ model: row.model, ...toSums(row) }))
  }

  async sessionCost(conversationId: string): Promise<number> {
    const [row] = await this.rows<{ cost: number | null }>('SELECT SUM(cost_usd) AS cost FROM model_usage WHERE conversation_id = $1', [
      pgText(conversationId),
    ])
    return row?.cost ?? 0
  }

  async byPrincipal(principal: string): Promise<UsageSums> {
    return toSums((await this.rows<SumsRow>(`SELECT ${SUMS} FROM model_usage WHERE principal = $1`, [pgText(principal)]))[0])
  }

  async principalCost(principal: string): Promise<number> {
    const [row] = await this.rows<{ cost: number | null }>('SELECT SUM(cost_usd) AS cost FROM model_usage WHERE principal = $1', [
      pgText(principal),
    ])
    return row?.cost ?? 0
  }

  async principals(): Promise<string[]> {
    const rows = await this.rows<{ principal: string }>(
      `SELECT principal FROM model_usage WHERE principal IS NOT NULL
       UNION SELECT key AS principal FROM budgets WHERE scope = 'principal' ORDER BY principal`,
      [],
    )
    return rows.map((row) => row.principal)
  }

  async budget(scope: BudgetScope, key: string): Promise<number | null | undefined> {
    const [row] = await this.rows<{ limit_usd: number | null }>('SELECT limit_usd FROM budgets WHERE scope = $1 AND key = $2', [
      scope,
      pgText(key),
    ])
    return row === undefined ? undefined : row.limit_usd
  }

  setBudget(scope: BudgetScope, key: string, limitUsd: number | null): Promise<void> {
    return this.writes.run(async (client) => {
      await client.query(
        'INSERT INTO budgets (scope, key, limit_usd) VALUES ($1, $2, $3) ON CONFLICT (scope, key) DO UPDATE SET limit_usd = excluded.limit_usd',
        [scope, pgText(key), limitUsd],
      )
    })
  }

  private async rows<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    await this.writes.settled()
    return (await this.pool.query<T>(sql, params)).rows
  }
}
