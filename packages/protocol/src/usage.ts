// Model usage and spending caps: what the server's model gateway counted for a session or a
// principal, what it cost by the server's price table, and the budget that stops it.
import { z } from 'zod'

/** Tokens and cost, summed over the model answers counted. */
export const UsageTotalsSchema = z.object({
  /** Model answers that reported usage. */
  requests: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheCreationInputTokens: z.number().int().nonnegative(),
  cacheReadInputTokens: z.number().int().nonnegative(),
  /** By the server's price table at the time of each answer. */
  costUsd: z.number().nonnegative(),
})
export type UsageTotals = z.infer<typeof UsageTotalsSchema>

export const BUDGET_SOURCES = [
  'own', // set for this session or principal through the API
  'server', // the server's default (SESSION_BUDGET_USD, PRINCIPAL_BUDGET_USD)
  'none', // no limit
] as const

/** A spending cap in US dollars; `limitUsd: null` is no limit. */
export const BudgetSchema = z.object({
  limitUsd: z.number().nonnegative().nullable(),
  source: z.enum(BUDGET_SOURCES),
})
export type Budget = z.infer<typeof BudgetSchema>

/** `PUT /sessions/:id/budget`, `PUT /principals/:id/budget`: a limit, or `null` for none. */
export const SetBudgetRequestSchema = z.strictObject({
  limitUsd: z.number().nonnegative().finite().nullable(),
})
export type SetBudgetRequest = z.infer<typeof SetBudgetRequestSchema>

export const SessionUsageResponseSchema = z.object({
  session: z.string(),
  /** The principal the session's spending also counts for (`null`: the admins, uncapped). */
  principal: z.string().nullable(),
  usage: UsageTotalsSchema,
  /** The same, by the model named in each answer. */
  byModel: z.record(z.string(), UsageTotalsSchema),
  budget: BudgetSchema,
})
export type SessionUsageResponse = z.infer<typeof SessionUsageResponseSchema>

export const PrincipalUsageSchema = z.object({
  principal: z.string(),
  /** Every session it owned, deleted ones included. */
  usage: UsageTotalsSchema,
  budget: BudgetSchema,
})
export type PrincipalUsage = z.infer<typeof PrincipalUsageSchema>

/** `GET /usage`: every principal that spent or has a budget, or the one `?principal=` names. */
export const UsageResponseSchema = z.object({ principals: z.array(PrincipalUsageSchema) })
export type UsageResponse = z.infer<typeof UsageResponseSchema>

export const SetBudgetResponseSchema = z.object({ budget: BudgetSchema })
export type SetBudgetResponse = z.infer<typeof SetBudgetResponseSchema>

/** `data` of a `BUDGET_EXCEEDED` error frame: which budget stopped the turn. */
export const BudgetExceededDataSchema = z.object({
  scope: z.enum(['session', 'principal']),
  /** The session id or the principal id. */
  id: z.string(),
  spentUsd: z.number().nonnegative(),
  limitUsd: z.number().nonnegative(),
})
export type BudgetExceededData = z.infer<typeof BudgetExceededDataSchema>
