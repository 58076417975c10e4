// The model credential and endpoint a provider hands to the server it starts, in the server's
// environment (never over `/config`). The names are the ones the server passes on to the agent
// (AGENT_PASSTHROUGH_VARS in the protocol package).
import { AGENT_PASSTHROUGH_VARS } from '@claude-agent/protocol'

/** Endpoint, credential and CLI tuning variables the server passes to the agent (one list,
 * in the protocol package). */
export const AGENT_ENV_VARS = AGENT_PASSTHROUGH_VARS

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
