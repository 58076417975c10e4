// Builds the client from the connection options and the environment, and says what it is doing
// while a server or sandbox starts (an E2B sandbox can take a while).
import { ClaudeAgentClient, type ClaudeAgentClientOptions } from '@claude-agent/client'
import { UsageError } from './errors.js'

export const DEFAULT_URL = 'http://127.0.0.1:3000'

export interface ConnectionFlags {
  url?: string
  token?: string
  local?: boolean
  e2b?: boolean
  debug?: boolean
}

export interface ClientSetup {
  options: ClaudeAgentClientOptions
  /** Where the client will find its server, for humans. */
  where: string
  /** True when start() must run before the sessions API can be used (a started server). */
  starts: boolean
}

export function clientSetup(flags: ConnectionFlags, env: NodeJS.ProcessEnv, extra: ClaudeAgentClientOptions = {}): ClientSetup {
  if (flags.local && flags.e2b) throw new UsageError('--local and --e2b cannot be combined')
  const token = flags.token ?? (env['CLAUDE_AGENT_TOKEN'] || undefined)
  const base: ClaudeAgentClientOptions = { label: 'claude-agent-cli', debug: flags.debug === true, ...extra }
  if (flags.local) return { options: { ...base, provider: 'local' }, where: 'a local server', starts: true }
  if (flags.e2b) {
    if (!env['E2B_API_KEY']) throw new UsageError('--e2b needs E2B_API_KEY in the environment')
    return { options: { ...base, provider: 'e2b', e2bApiKey: env['E2B_API_KEY'] }, where: 'an E2B sandbox', starts: true }
  }
  const url = flags.url ?? (env['CLAUDE_AGENT_URL'] || DEFAULT_URL)
  return { options: { ...base, connectionUrl: url, ...(token ? { token } : {}) }, where: url, starts: false }
}

/** Live text only arrives with `?partial=1`; the query string is kept on every endpoint. */
export function withPartial(url: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('partial', '1')
  return parsed.toString().replace(/\/\?/, '?')
}

export function newClient(setup: ClientSetup, partial: boolean): ClaudeAgentClient {
  const { options } = setup
  const connectionUrl = options.connectionUrl && partial ? withPartial(options.connectionUrl) : options.connectionUrl
  return new ClaudeAgentClient({ ...options, ...(connectionUrl ? { connectionUrl } : {}) })
}

export function startingMessage(setup: ClientSetup): string {
  if (setup.options.provider === 'local') return 'starting a server on this machine…'
  if (setup.options.provider === 'e2b') return 'creating an E2B sandbox and starting its server (this can take a minute)…'
  return `connecting to ${setup.where}…`
}
