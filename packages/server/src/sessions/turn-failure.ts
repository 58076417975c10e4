// The message of a turn that ended with an error result. The CLI reports API failures as a
// `success` result with is_error set, naming the gateway's loopback address inside the
// sandbox; what a user needs is the real endpoint and the cause, which the gateway reported.
import { MODEL_PORT } from '../sandbox/sandbox-env.js'
import type { ModelFailure } from '../sandbox/sandbox.js'
import type { BudgetRefusal } from '../usage/ledger.js'

export interface TurnFailure {
  message: string
  data: { subtype: string; upstream?: string; status?: number; cause?: string }
}

const INSIDE_GATEWAY = new RegExp(`(?:https?://)?(?:127\\.0\\.0\\.1|localhost):${MODEL_PORT}`, 'g')

export function describeTurnFailure(subtype: string, resultText: string | undefined, model: ModelFailure | undefined): TurnFailure {
  // `success` + is_error is how the CLI ends a turn whose API calls failed.
  const what = subtype === 'success' ? 'The turn ended with a model API error' : `The turn ended with an error (${subtype})`
  const where = model ? `: the model API at ${model.upstream} failed (${model.cause})` : ''
  const text = resultText?.replace(INSIDE_GATEWAY, model?.upstream ?? 'the model gateway')
  const data: TurnFailure['data'] = { subtype }
  if (model) {
    data.upstream = model.upstream
    data.cause = model.cause
    if (model.status !== undefined) data.status = model.status
  }
  return { message: `${what}${where}${text ? `. ${text}` : ''}`, data }
}

/** The progress notice for a failed call while the CLI retries. */
export const modelFailureNotice = (model: ModelFailure) =>
  `The model API at ${model.upstream} failed (${model.cause}); Claude Code retries before it gives up.`

/** The error of a turn whose model request the gateway refused for a budget. */
export function describeBudgetRefusal(refusal: BudgetRefusal): { message: string; data: BudgetRefusal } {
  const whose = refusal.scope === 'session' ? `session ${refusal.id}` : `principal ${refusal.id}`
  const message =
    `The turn ended: the ${whose} has spent $${refusal.spentUsd.toFixed(4)} of its $${refusal.limitUsd.toFixed(4)} budget, ` +
    'so the model gateway refused its next model request. Raise the budget to go on.'
  return { message, data: { ...refusal } }
}
