// Spending over HTTP: a session's usage and budget, usage per principal, setting budgets
// (docs/budgets.md). Answers are validated with the protocol's schemas.
import {
  SessionUsageResponseSchema,
  SetBudgetResponseSchema,
  UsageResponseSchema,
  type Budget,
  type PrincipalUsage,
  type SessionUsageResponse,
} from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { httpEndpoint, loggableUrl, pathSegment } from '../urls.js'
import { requestJson } from './request.js'
import type { SessionsHttpOptions } from './sessions.js'

/** What call() needs of a protocol schema. */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } }
}

async function call<T>(schema: Schema<T>, method: 'GET' | 'PUT', url: string, options: SessionsHttpOptions, body?: unknown): Promise<T> {
  const answer = await requestJson({ method, url, ...(body !== undefined && { body }), failureCode: 'REQUEST_FAILED', ...options })
  const parsed = schema.safeParse(answer)
  if (!parsed.success) {
    throw new ClaudeAgentClientError('INVALID_SERVER_FRAME', `${loggableUrl(url)} answered something unexpected: ${parsed.error.message}`)
  }
  return parsed.data
}

const session = (id: string, tail: string) => `/sessions/${pathSegment(id, 'session id')}/${tail}`

export function sessionUsage(id: string, options: SessionsHttpOptions): Promise<SessionUsageResponse> {
  return call(SessionUsageResponseSchema, 'GET', httpEndpoint(options.baseUrl, session(id, 'usage')), options)
}

export async function setSessionBudget(id: string, limitUsd: number | null, options: SessionsHttpOptions): Promise<Budget> {
  const url = httpEndpoint(options.baseUrl, session(id, 'budget'))
  return (await call(SetBudgetResponseSchema, 'PUT', url, options, { limitUsd })).budget
}

export async function principalUsage(principal: string | undefined, options: SessionsHttpOptions): Promise<PrincipalUsage[]> {
  const url = httpEndpoint(options.baseUrl, '/usage', { principal })
  return (await call(UsageResponseSchema, 'GET', url, options)).principals
}

export async function setPrincipalBudget(id: string, limitUsd: number | null, options: SessionsHttpOptions): Promise<Budget> {
  const url = httpEndpoint(options.baseUrl, `/principals/${pathSegment(id, 'principal')}/budget`)
  return (await call(SetBudgetResponseSchema, 'PUT', url, options, { limitUsd })).budget
}
