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
  'e2b-session'?: string
  'e2b-on-exit'?: string
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
  // Surrounding whitespace is never a token's (a file saved with CRLF, a pasted newline); the server trims it too.
  const token = (flags.token ?? env['CLAUDE_AGENT_TOKEN'])?.trim() || undefined
  const base: ClaudeAgentClientOptions = { label: 'claude-agent-cli', debug: flags.debug === true, ...extra }
  if (flags.local) return { options: { ...base, provider: 'local' }, where: 'a local server', starts: true }
  if (flags.e2b) return e2bSetup(flags, env, base)
  if (flags['e2b-session'] !== undefined || flags['e2b-on-exit'] !== undefined) {
    throw new UsageError('--e2b-session and --e2b-on-exit need --e2b')
  }
  const url = flags.url ?? (env['CLAUDE_AGENT_URL'] || DEFAULT_URL)
  return { options: { ...base, connectionUrl: url, ...(token ? { token } : {}) }, where: url, starts: false }
}

const ON_EXIT = ['kill', 'pause', 'keep'] as const

function e2bSetup(flags: ConnectionFlags, env: NodeJS.ProcessEnv, base: ClaudeAgentClientOptions): ClientSetup {
  if (!env['E2B_API_KEY']) throw new UsageError('--e2b needs E2B_API_KEY in the environment')
  const sessionId = flags['e2b-session']
  const onClose = flags['e2b-on-exit'] ?? 'kill'
  if (sessionId === '') throw new UsageError('--e2b-session needs an id')
  if (!(ON_EXIT as readonly string[]).includes(onClose)) throw new UsageError(`--e2b-on-exit must be one of ${ON_EXIT.join(', ')}`)
  const e2b = { ...(sessionId !== undefined && { sessionId }), onClose: onClose as (typeof ON_EXIT)[number] }
  const where = sessionId !== undefined ? `the E2B sandbox "${sessionId}"` : 'an E2B sandbox'
  return { options: { ...base, provider: 'e2b', e2bApiKey: env['E2B_API_KEY'], e2b }, where, starts: true }
}

/** `partial`: live text as the model streams it (`?partial=1`), with every provider. */
export function newClient(setup: ClientSetup, partial: boolean): ClaudeAgentClient {
  return new ClaudeAgentClient({ ...setup.options, ...(partial && { partial: true }) })
}

export function startingMessage(setup: ClientSetup): string {
  if (setup.options.provider === 'local') return 'starting a server on this machine…'
  if (setup.options.provider === 'e2b' && setup.options.e2b?.sessionId !== undefined) {
    return `finding or creating ${setup.where} and starting its server (this can take a minute)…`
  }
  if (setup.options.provider === 'e2b') return 'creating an E2B sandbox and starting its server (this can take a minute)…'
  return `connecting to ${setup.where}…`
}
