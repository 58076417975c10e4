// The `/config` endpoint over HTTP (the default session's query config). Bodies are logged
// only after redactConfig().
import type { GetConfigResponse, PostConfigResponse, QueryConfig } from '@claude-agent/protocol'
import { redactConfig } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { loggableUrl } from '../urls.js'
import { requestJson, type HttpContext } from './request.js'

/** What the server answers on `GET /config` or `POST /config` (the protocol's types): the
 * (redacted) config and more. */
export type ConfigResponse = GetConfigResponse | PostConfigResponse

export type ConfigRequestOptions = HttpContext

/** POST a config. Non-2xx -> `CONFIG_REJECTED` (with the server's issues); unreachable -> `CONNECTION_FAILED`. */
export async function postConfig(configUrl: string, config: QueryConfig, options: ConfigRequestOptions): Promise<PostConfigResponse> {
  const body = await requestJson({
    method: 'POST',
    url: configUrl,
    body: config,
    failureCode: 'CONFIG_REJECTED',
    logBody: redactConfig(config),
    logResponse: redactResponse,
    ...options,
  })
  return asConfigResponse<PostConfigResponse>(body, 'POST', configUrl)
}

/** GET the server's config (secrets redacted by the server). Non-2xx -> `REQUEST_FAILED`. */
export async function fetchConfig(configUrl: string, options: ConfigRequestOptions): Promise<GetConfigResponse> {
  const body = await requestJson({ method: 'GET', url: configUrl, failureCode: 'REQUEST_FAILED', logResponse: redactResponse, ...options })
  return asConfigResponse<GetConfigResponse>(body, 'GET', configUrl)
}

/** Only `config` is checked: an older server (the original protocol) sends less than the rest
 * of the protocol's type, and a newer one more. */
function asConfigResponse<T extends ConfigResponse>(body: unknown, method: string, url: string): T {
  if (isConfigResponse(body)) return body as T
  throw new ClaudeAgentClientError('REQUEST_FAILED', `${method} ${loggableUrl(url)} answered without a config object`)
}

function redactResponse(body: unknown): unknown {
  return isConfigResponse(body) ? { ...body, config: redactConfig(body.config) } : body
}

function isConfigResponse(body: unknown): body is { config: QueryConfig } {
  if (typeof body !== 'object' || body === null) return false
  const config = (body as { config?: unknown }).config
  return typeof config === 'object' && config !== null && !Array.isArray(config)
}
