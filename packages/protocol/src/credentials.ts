// The environment variables that carry the model endpoint and credentials to Claude Code. Shared
// by the server (which passes them to the agent) and the client's providers (which pass them to
// a server they start), so both read one list.

/** Any one of these set means the server has a way to reach a real model. */
export const CREDENTIAL_VARS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
] as const

/** Passed to the agent when set: endpoints, cloud-provider switches and CLI tuning. */
export const AGENT_PASSTHROUGH_VARS = [
  ...CREDENTIAL_VARS,
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'ANTHROPIC_CUSTOM_HEADERS',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'ANTHROPIC_VERTEX_BASE_URL',
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
  'CLAUDE_CODE_SKIP_VERTEX_AUTH',
  'CLOUD_ML_REGION',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'CLAUDE_CODE_MAX_RETRIES',
  'API_TIMEOUT_MS',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
] as const

/** What a sandbox reads as the model endpoint and its credential: set, the sandbox starts a
 * model gateway on the host that forwards to that endpoint. Only the server sets them. */
export const MODEL_ROUTE_VARS = ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const

/** Values that must never be printed or returned. */
export const SECRET_VARS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
] as const

/** Claude Code's own switches: variables with these prefixes (or these names) tune the CLI and
 * may be passed to it from the server's environment or a session's `env`. */
export const AGENT_SETTING_PREFIXES = ['CLAUDE_CODE_', 'DISABLE_', 'OTEL_'] as const
export const AGENT_SETTING_NAMES = ['MAX_THINKING_TOKENS'] as const

/** Set by the server for every CLI (its temp directory, its offline traffic switch). */
const SERVER_SET_VARS = ['CLAUDE_CODE_TMPDIR', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC']
/** A name with one of these parts may carry a secret (OTEL_EXPORTER_OTLP_HEADERS holds auth). */
const SECRET_LOOKING = /(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH|HEADERS|CERT)(_|$)/

/** Telemetry is the operator's (AGENT_OTEL_*): where it goes, with which headers, labelled how. */
const TELEMETRY_VARS = /^(OTEL_|CLAUDE_CODE_ENABLE_TELEMETRY$)/

/**
 * Why a session's `env` cannot set `name`: what agentSettingProblem refuses, and the telemetry
 * settings. A session's value wins over the server's, so OTEL_EXPORTER_OTLP_ENDPOINT would send
 * the operator's export (its collector headers too) to the member's own host.
 */
export function sessionSettingProblem(name: string): string | undefined {
  if (TELEMETRY_VARS.test(name)) return "is the operator's telemetry setting (AGENT_OTEL_*), which a session cannot change"
  return agentSettingProblem(name)
}

/**
 * Why `name` cannot be passed to the CLI as one of its settings, or undefined when it can: the
 * one rule for the server's environment and a session's `env`. Never a credential, a provider
 * or endpoint switch (those are the operator's, see AGENT_PASSTHROUGH_VARS), nor what the
 * server sets itself.
 *
 * @example
 * agentSettingProblem('CLAUDE_CODE_DISABLE_ATTACHMENTS') // undefined
 * agentSettingProblem('ANTHROPIC_API_KEY')               // 'is a credential or endpoint variable, ...'
 */
export function agentSettingProblem(name: string): string | undefined {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return 'is not an environment variable name (A-Z, 0-9, _)'
  if ((AGENT_PASSTHROUGH_VARS as readonly string[]).includes(name) || (SECRET_VARS as readonly string[]).includes(name))
    return 'is a credential or endpoint variable, which only the server sets'
  if (name.startsWith('CLAUDE_CODE_USE_') || name.startsWith('CLAUDE_CODE_SKIP_'))
    return 'selects the model provider, which only the server sets'
  if (SECRET_LOOKING.test(name)) return 'may carry a secret, which never passes through a config'
  if (SERVER_SET_VARS.includes(name)) return 'is set by the server'
  const known =
    AGENT_SETTING_PREFIXES.some((prefix) => name.startsWith(prefix)) || (AGENT_SETTING_NAMES as readonly string[]).includes(name)
  if (!known)
    return `is not a Claude Code setting (${AGENT_SETTING_PREFIXES.map((p) => `${p}*`).join(', ')}, ${AGENT_SETTING_NAMES.join(', ')})`
  return undefined
}
