// Which environment variables carry the model endpoint and credentials to the agent. The CLI
// reads them itself; the server only decides which ones to pass and never prints them.

import { AGENT_PASSTHROUGH_VARS, CREDENTIAL_VARS, SECRET_VARS, agentSettingProblem } from '@claude-agent/protocol'

export { AGENT_PASSTHROUGH_VARS, CREDENTIAL_VARS, SECRET_VARS }

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false'

export function hasCredential(env: Record<string, string | undefined>): boolean {
  return CREDENTIAL_VARS.some((name) => truthy(env[name]))
}

/** The endpoint and credential variables, and Claude Code's own settings (agentSettingProblem
 * decides which: e.g. CLAUDE_CODE_*, DISABLE_*, OTEL_*), as set. */
export function pickAgentVars(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {}
  const passed = (name: string) => (AGENT_PASSTHROUGH_VARS as readonly string[]).includes(name) || agentSettingProblem(name) === undefined
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '' && passed(name)) picked[name] = value
  }
  return picked
}

/** ANTHROPIC_CUSTOM_HEADERS as the CLI reads it: one `Name: Value` a line, both trimmed; a
 * line without a name is skipped. */
export function customHeaders(text: string | undefined): [string, string][] {
  const out: [string, string][] = []
  for (const line of (text ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    const name = colon < 0 ? '' : line.slice(0, colon).trim()
    if (name) out.push([name, line.slice(colon + 1).trim()])
  }
  return out
}

/** The values no log line may show: the credentials, and the custom headers' values (an LLM
 * gateway's own credential often travels in one). */
export function secretValues(env: Record<string, string | undefined>): string[] {
  const headers = customHeaders(env['ANTHROPIC_CUSTOM_HEADERS']).map(([, value]) => value)
  return [...SECRET_VARS.map((name) => env[name]), ...headers].filter((v): v is string => !!v)
}

/** The start-up line naming where turns go: the endpoint and which variable holds the credential (never its value). */
export function describeModelEndpoint(
  agentVars: Record<string, string | undefined>,
  demoModelUrl: string | undefined,
  defaultApi: string,
): string {
  if (truthy(agentVars['CLAUDE_CODE_USE_BEDROCK'])) return `Amazon Bedrock${agentVars['AWS_REGION'] ? ` (${agentVars['AWS_REGION']})` : ''}`
  if (truthy(agentVars['CLAUDE_CODE_USE_VERTEX']))
    return `Google Vertex AI${agentVars['CLOUD_ML_REGION'] ? ` (${agentVars['CLOUD_ML_REGION']})` : ''}`
  const credential = CREDENTIAL_VARS.find((name) => truthy(agentVars[name]))
  const api = withoutUserinfo(agentVars['ANTHROPIC_BASE_URL'] || defaultApi)
  if (!credential && demoModelUrl) return `offline demo model at ${demoModelUrl} (no credential; a key posted to /config uses ${api})`
  return `${api} (credential from ${credential ?? 'nowhere: set ANTHROPIC_API_KEY'})`
}

/** A URL as it may be shown: a user and password in it (an LLM gateway's) are a credential. */
function withoutUserinfo(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return text
  }
  if (!url.username && !url.password) return text
  url.username = ''
  url.password = ''
  return `${url.href} (its user and password not shown)`
}
