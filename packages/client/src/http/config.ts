// The `/config` endpoint over HTTP. Bodies are logged only after redactConfig().
import type { QueryConfig, WireError } from '@claude-agent/protocol'
import { WireErrorSchema, redactConfig, summarizeIssues } from '@claude-agent/protocol'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import type { ClientErrorCode } from '../errors.js'
import { loggableUrl } from '../urls.js'

/** What the server answers on `GET /config` and `POST /config`: the (redacted) config and more. */
export interface ConfigResponse {
  config: QueryConfig
  [key: string]: unknown
}

export interface ConfigRequestOptions {
  log: DebugLog
  signal?: AbortSignal
}

/** POST a config. Non-2xx -> `CONFIG_REJECTED` (with the server's issues); unreachable -> `CONNECTION_FAILED`. */
export async function postConfig(
  configUrl: string,
  config: QueryConfig,
  options: ConfigRequestOptions,
): Promise<ConfigResponse> {
  options.log(`POST ${loggableUrl(configUrl)}`, redactConfig(config))
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  }
  return request(configUrl, init, 'CONFIG_REJECTED', options)
}

/** GET the server's config (secrets redacted by the server). Non-2xx -> `REQUEST_FAILED`. */
export async function fetchConfig(
  configUrl: string,
  options: ConfigRequestOptions,
): Promise<ConfigResponse> {
  options.log(`GET ${loggableUrl(configUrl)}`)
  return request(configUrl, { method: 'GET' }, 'REQUEST_FAILED', options)
}

async function request(
  url: string,
  init: RequestInit,
  failureCode: ClientErrorCode,
  { log, signal }: ConfigRequestOptions,
): Promise<ConfigResponse> {
  let response: Response
  try {
    response = await fetch(url, signal ? { ...init, signal } : init)
  } catch (error) {
    // An abort is the caller's decision (stop() or a deadline); let the caller name it.
    if (signal?.aborted) throw signal.reason
    throw new ClaudeAgentClientError(
      'CONNECTION_FAILED',
      `Could not reach ${loggableUrl(url)}: ${describeFetchError(error)}`,
      { cause: error },
    )
  }
  const body = await readJson(response)
  if (!response.ok) {
    const wireError = parseWireError(body)
    log(`← ${response.status} ${loggableUrl(url)}`, wireError ?? body)
    throw new ClaudeAgentClientError(failureCode, describeFailure(init.method, url, response.status, wireError), {
      ...(wireError && { wireError }),
    })
  }
  if (!isConfigResponse(body)) {
    throw new ClaudeAgentClientError(
      'REQUEST_FAILED',
      `${init.method} ${loggableUrl(url)} answered ${response.status} without a config object`,
    )
  }
  log(`← ${response.status} ${loggableUrl(url)}`, { ...body, config: redactConfig(body.config) })
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

function isConfigResponse(body: unknown): body is ConfigResponse {
  if (typeof body !== 'object' || body === null) return false
  const config = (body as { config?: unknown }).config
  return typeof config === 'object' && config !== null && !Array.isArray(config)
}

function describeFailure(method: string | undefined, url: string, status: number, wireError?: WireError): string {
  const prefix = `${method ?? 'GET'} ${loggableUrl(url)} failed with ${status}`
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
