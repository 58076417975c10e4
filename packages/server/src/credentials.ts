// Which environment variables carry the model endpoint and credentials to the agent. The CLI
// reads them itself; the server only decides which ones to pass and never prints them.

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

/** Values that must never be printed or returned. */
export const SECRET_VARS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
] as const

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false'

export function hasCredential(env: Record<string, string | undefined>): boolean {
  return CREDENTIAL_VARS.some((name) => truthy(env[name]))
}

export function pickAgentVars(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {}
  for (const name of AGENT_PASSTHROUGH_VARS) {
    const value = env[name]
    if (value !== undefined && value !== '') picked[name] = value
  }
  return picked
}

export function secretValues(env: Record<string, string | undefined>): string[] {
  return SECRET_VARS.map((name) => env[name]).filter((v): v is string => !!v)
}
