// Splits the CLI's environment in two: what stays on the host (the model endpoint and the
// real credential, for the gateway) and what goes inside (placeholders, and loopback URLs
// that the in-sandbox launcher forwards to the host's proxy sockets).
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { MODEL_ROUTE_VARS } from '@claude-agent/protocol'
import { SECRET_VARS, customHeaders } from '../credentials.js'
import type { ModelCredentials } from './model-gateway.js'
import { SandboxError } from './sandbox.js'

/** Inside the sandbox's own network namespace these ports are always free. */
export const MODEL_PORT = 7480
export const PROXY_PORT = 7481

/** What the CLI inside holds instead of a credential: it refuses to run with none. */
export const PLACEHOLDER_CREDENTIAL = 'sandbox-placeholder-the-real-credential-stays-on-the-host'

export const DEFAULT_MODEL_API = 'https://api.anthropic.com'

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']
const NO_PROXY_VARS = ['NO_PROXY', 'no_proxy']

/** Providers whose credentials the gateway cannot hold for the agent (request signing, files). */
const UNSUPPORTED_PROVIDERS = ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'] as const

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false'

/**
 * @throws SandboxError SANDBOX_UNSUPPORTED when the environment selects Bedrock or Vertex
 */
export function assertSandboxableCredentials(env: Record<string, string | undefined>): void {
  const provider = UNSUPPORTED_PROVIDERS.find((name) => truthy(env[name]))
  if (provider) {
    throw new SandboxError(
      'SANDBOX_UNSUPPORTED',
      `${provider} is set: the bubblewrap sandbox keeps the credential outside the agent only for the ` +
        'Anthropic API (ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN). Use one of ' +
        'those, or run the agent in an isolated machine with `--sandbox none`.',
    )
  }
}

export interface ModelRoute {
  upstream: URL
  credentials: ModelCredentials
  /** ANTHROPIC_CUSTOM_HEADERS, for the gateway to add: they often hold an LLM gateway's own
   * credential, so they stay on the host with the key. */
  headers: [name: string, value: string][]
}

/** ANTHROPIC_CUSTOM_HEADERS as the CLI reads it (see customHeaders), each checked.
 * @throws SandboxError SANDBOX_INVALID_SETTING for a name or value HTTP cannot carry (naming the header, never its value) */
export function parseCustomHeaders(text: string | undefined): [string, string][] {
  const out = customHeaders(text)
  for (const [name, value] of out) {
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch {
      throw new SandboxError(
        'SANDBOX_INVALID_SETTING',
        `ANTHROPIC_CUSTOM_HEADERS: the header "${name.slice(0, 64)}" is not a valid HTTP header`,
      )
    }
  }
  return out
}

export interface SplitEnv {
  /** For the gateway, on the host; undefined when the environment names no model endpoint
   * and no credential (a plain command: no gateway at all). */
  route: ModelRoute | undefined
  /** For inside: holds no secret. */
  inside: Record<string, string>
}

/** Kept on the host for the gateway, not given inside. */
const GATEWAY_VARS = ['ANTHROPIC_CUSTOM_HEADERS']

/** Carries a run's command-only variables through the host-side wrapper as inert JSON; the
 * launcher inside takes it out and gives them to the command (launcher.cjs). */
export const COMMAND_ENV_VAR = 'CLAUDE_AGENT_COMMAND_ENV'

/** `commandEnv` as the launcher gets it: without what the sandbox sets itself (the proxies, the
 * model endpoint, the placeholder credentials). */
export function handedCommandEnv(commandEnv: Record<string, string> | undefined): Record<string, string> {
  if (commandEnv === undefined) return {}
  const managed = new Set<string>([
    ...SECRET_VARS,
    ...MODEL_ROUTE_VARS,
    ...PROXY_VARS,
    ...NO_PROXY_VARS,
    COMMAND_ENV_VAR,
    'CLAUDE_CODE_SHELL_PREFIX',
  ])
  const kept = Object.entries(commandEnv).filter(([name]) => !managed.has(name))
  return kept.length === 0 ? {} : { [COMMAND_ENV_VAR]: JSON.stringify(Object.fromEntries(kept)) }
}

export function splitEnv(env: Record<string, string>): SplitEnv {
  assertSandboxableCredentials(env)
  const credentials: ModelCredentials = {}
  if (env['ANTHROPIC_API_KEY']) credentials.apiKey = env['ANTHROPIC_API_KEY']
  const bearer = env['ANTHROPIC_AUTH_TOKEN'] || env['CLAUDE_CODE_OAUTH_TOKEN']
  if (bearer) credentials.bearer = bearer
  const wantsModel = MODEL_ROUTE_VARS.some((name) => env[name])
  const headers = parseCustomHeaders(env['ANTHROPIC_CUSTOM_HEADERS'])
  const route = wantsModel ? { upstream: new URL(env['ANTHROPIC_BASE_URL'] || DEFAULT_MODEL_API), credentials, headers } : undefined

  const inside: Record<string, string> = {}
  const drop = new Set<string>([...SECRET_VARS, ...GATEWAY_VARS, ...PROXY_VARS, ...NO_PROXY_VARS])
  for (const [name, value] of Object.entries(env)) if (!drop.has(name)) inside[name] = value
  // The same variables the CLI would have had, so it authenticates the same way; the gateway
  // swaps the placeholder for the real value.
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN']) {
    if (env[name]) inside[name] = PLACEHOLDER_CREDENTIAL
  }
  if (route) inside['ANTHROPIC_BASE_URL'] = `http://127.0.0.1:${MODEL_PORT}`
  for (const name of PROXY_VARS) inside[name] = `http://127.0.0.1:${PROXY_PORT}`
  // The gateway is reached directly; everything else goes through the egress proxy.
  for (const name of NO_PROXY_VARS) inside[name] = '127.0.0.1,localhost,::1'
  return { route, inside }
}
