// Sharing sessions and the admins' run-time tokens over HTTP. Answers are validated with the
// protocol's schemas; a token's value is never logged.
import {
  CreateTokenResponseSchema,
  ListTokensResponseSchema,
  SessionReadersResponseSchema,
  type CreateTokenRequest,
  type CreateTokenResponse,
  type TokenInfo,
} from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { httpEndpoint, loggableUrl, pathSegment } from '../urls.js'
import { requestJson } from './request.js'
import type { SessionsHttpOptions } from './sessions.js'

/** What this module needs of a protocol schema (the client does not depend on zod itself). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } }
}

function parsed<T>(schema: Schema<T>, body: unknown, url: string): T {
  const result = schema.safeParse(body)
  if (!result.success) {
    throw new ClaudeAgentClientError('INVALID_SERVER_FRAME', `${loggableUrl(url)} answered something unexpected: ${result.error.message}`)
  }
  return result.data
}

const readerPath = (id: string, principal: string) =>
  `/sessions/${pathSegment(id, 'session id')}/readers/${pathSegment(principal, 'principal')}`

/** `PUT` (share) or `DELETE` (take back) a reader; resolves with the session's readers. */
export async function setReader(id: string, principal: string, shared: boolean, options: SessionsHttpOptions): Promise<string[]> {
  const url = httpEndpoint(options.baseUrl, readerPath(id, principal))
  const body = await requestJson({ method: shared ? 'PUT' : 'DELETE', url, failureCode: 'REQUEST_FAILED', ...options })
  return parsed(SessionReadersResponseSchema, body, url).readers
}

export async function createToken(request: CreateTokenRequest, options: SessionsHttpOptions): Promise<CreateTokenResponse> {
  const url = httpEndpoint(options.baseUrl, '/tokens')
  const body = await requestJson({ method: 'POST', url, body: request, logBody: request, failureCode: 'REQUEST_FAILED', ...options })
  return parsed(CreateTokenResponseSchema, body, url)
}

export async function listTokens(options: SessionsHttpOptions): Promise<TokenInfo[]> {
  const url = httpEndpoint(options.baseUrl, '/tokens')
  return parsed(ListTokensResponseSchema, await requestJson({ method: 'GET', url, failureCode: 'REQUEST_FAILED', ...options }), url).tokens
}

export async function revokeToken(id: string, options: SessionsHttpOptions): Promise<void> {
  const url = httpEndpoint(options.baseUrl, `/tokens/${pathSegment(id, 'token id')}`)
  await requestJson({ method: 'DELETE', url, failureCode: 'REQUEST_FAILED', ...options })
}
