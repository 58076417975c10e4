// The model credential and endpoint a provider hands to the server it starts, in the server's
// environment (never over `/config`). The names are the ones the server passes on to the agent
// (AGENT_PASSTHROUGH_VARS in packages/server/src/credentials.ts; a test keeps the lists equal).

/** Endpoint, credential and CLI tuning variables the server passes to the agent. */
export const AGENT_ENV_VARS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
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

export interface CredentialOptions {
  /** Becomes `ANTHROPIC_API_KEY`, over anything inherited. */
  anthropicApiKey?: string
  /**
   * Copy the caller's credential and endpoint variables (`AGENT_ENV_VARS`) from `process.env`.
   * With none at all the server runs its offline demo model.
   * @default true
   */
  inheritCredentials?: boolean
  /** More variables for the server, over everything else (e.g. `ANTHROPIC_BASE_URL`). */
  env?: Record<string, string>
}

/** The credential part of a started server's environment. */
export function credentialEnv(options: CredentialOptions): Record<string, string> {
  const picked: Record<string, string> = {}
  const source = options.inheritCredentials === false ? {} : callerEnv()
  for (const name of AGENT_ENV_VARS) {
    const value = source[name]
    if (value) picked[name] = value
  }
  if (options.anthropicApiKey) picked['ANTHROPIC_API_KEY'] = options.anthropicApiKey
  return { ...picked, ...options.env }
}

/** The secret values in an environment, for scrubbing output that might echo them. */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const secret = /KEY|TOKEN|SECRET/
  return Object.entries(env)
    .filter(([name, value]) => secret.test(name) && value !== undefined && value.length >= 8)
    .map(([, value]) => value!)
}

/** `process.env`, or nothing where there is no process (browsers). */
export function callerEnv(): Record<string, string | undefined> {
  return typeof process === 'undefined' ? {} : process.env
}
