// HTTP to the server: one place that adds the bearer token and turns network failures and
// non-2xx answers into ClaudeAgentClientErrors carrying the server's wire error. Callers log
// only redacted bodies; headers (the token) are never logged.
import type { WireError } from '@claude-agent/protocol'
import { WireErrorSchema, summarizeIssues } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError, type ClientErrorCode } from '../errors.js'
import { loggableUrl } from '../urls.js'

/** What every request to the server needs besides its URL. */
export interface HttpContext {
  log: DebugLog
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string
  signal?: AbortSignal
}

/** A server and how to talk to it. */
export interface ServerTarget extends HttpContext {
  /** The server's base URL (`http(s)://` or `ws(s)://`). */
  baseUrl: string
}

export interface ServerRequest extends HttpContext {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  url: string
  headers?: Record<string, string>
  /** A fetch body (a stream needs no length). */
  body?: RequestInit['body']
  /** The code of the error thrown for a non-2xx answer (401 is always `CONNECTION_FAILED`). */
  failureCode: ClientErrorCode
  /** What to log of the request body (must be free of secrets); default: nothing. */
  logBody?: unknown
}

export interface JsonRequest extends Omit<ServerRequest, 'body' | 'headers'> {
  /** Sent as JSON when given. */
  body?: unknown
  /** What to log of a 2xx answer (must be free of secrets); default: nothing. */
  logResponse?: (body: unknown) => unknown
}

/** `{ authorization: 'Bearer …' }`, or nothing without a token. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** Resolves with the Response of a 2xx answer (its body unread). */
export async function serverFetch(request: ServerRequest): Promise<Response> {
  const { method, url, log, signal } = request
  log(`${method} ${loggableUrl(url)}`, request.logBody)
  const init: RequestInit & { duplex?: 'half' } = { method, headers: { ...request.headers, ...authHeaders(request.token) } }
  if (request.body !== undefined) {
    init.body = request.body
    // A streamed body needs half duplex in fetch (Node and browsers alike).
    if (isStreamBody(request.body)) init.duplex = 'half'
  }
  if (signal) init.signal = signal
  let response: Response
  try {
    response = await fetch(url, init)
  } catch (error) {
    // An abort is the caller's decision (stop() or a deadline); let the caller name it.
    if (signal?.aborted) throw signal.reason
    throw new ClaudeAgentClientError('CONNECTION_FAILED', `Could not reach ${loggableUrl(url)}: ${describeFetchError(error)}`, {
      cause: error,
    })
  }
  if (response.ok) return response
  const body = await readJson(response)
  const wireError = parseWireError(body)
  log(`← ${response.status} ${loggableUrl(url)}`, wireError ?? body)
  // A missing or wrong token is a failure to connect, whatever was asked.
  const code = response.status === 401 ? 'CONNECTION_FAILED' : request.failureCode
  throw new ClaudeAgentClientError(code, describeFailure(method, url, response.status, wireError), { ...(wireError && { wireError }) })
}

/** Resolves with the parsed JSON body of a 2xx answer (undefined if it has none). */
export async function requestJson(request: JsonRequest): Promise<unknown> {
  const { body, logResponse, ...rest } = request
  const response = await serverFetch({
    ...rest,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  })
  const parsed = await readJson(response)
  request.log(`← ${response.status} ${loggableUrl(request.url)}`, logResponse?.(parsed))
  return parsed
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

function isStreamBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false
  return typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in body
}

function parseWireError(body: unknown): WireError | undefined {
  const parsed = WireErrorSchema.safeParse(body)
  return parsed.success ? parsed.data : undefined
}

function describeFailure(method: string, url: string, status: number, wireError?: WireError): string {
  const prefix = `${method} ${loggableUrl(url)} failed with ${status}`
  if (!wireError) return prefix
  const issues = (wireError.data as { issues?: unknown } | undefined)?.issues
  const detail = Array.isArray(issues) ? summarizeIssues(issues) : wireError.error
  return `${prefix} ${wireError.code}: ${detail}`
}

export function describeFetchError(error: unknown): string {
  // undici hides the real reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}
