// JSON over HTTP to the server: one place that turns network failures and non-2xx answers into
// ClaudeAgentClientErrors carrying the server's wire error. Callers log only redacted bodies.
import type { WireError } from '@claude-agent/protocol'
import { WireErrorSchema, summarizeIssues } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError, type ClientErrorCode } from '../errors.js'
import { loggableUrl } from '../urls.js'

export interface JsonRequest {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  /** Sent as JSON when given. */
  body?: unknown
  /** The code of the error thrown for a non-2xx answer. */
  failureCode: ClientErrorCode
  log: DebugLog
  signal?: AbortSignal
  /** What to log of the request body (must be free of secrets); default: nothing. */
  logBody?: unknown
  /** What to log of a 2xx answer (must be free of secrets); default: nothing. */
  logResponse?: (body: unknown) => unknown
}

/** Resolves with the parsed JSON body of a 2xx answer (undefined if it has none). */
export async function requestJson(request: JsonRequest): Promise<unknown> {
  const { method, url, log, signal } = request
  log(`${method} ${loggableUrl(url)}`, request.logBody)
  const init: RequestInit = { method }
  if (request.body !== undefined) {
    init.headers = { 'content-type': 'application/json' }
    init.body = JSON.stringify(request.body)
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
  const body = await readJson(response)
  if (!response.ok) {
    const wireError = parseWireError(body)
    log(`← ${response.status} ${loggableUrl(url)}`, wireError ?? body)
    throw new ClaudeAgentClientError(request.failureCode, describeFailure(method, url, response.status, wireError), {
      ...(wireError && { wireError }),
    })
  }
  log(`← ${response.status} ${loggableUrl(url)}`, request.logResponse?.(body))
  return body
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json()
  } catch {
    return undefined
  }
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

function describeFetchError(error: unknown): string {
  // undici hides the real reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}
