// Picks the provider for a set of options: `connectionUrl` -> url; `provider: 'local'` -> local;
// otherwise E2B (the original's default) when an E2B API key is at hand; else NO_PROVIDER.
// The local and E2B providers are imported only when chosen (`#providers`, see load.node.ts): they
// need Node and (for E2B) the optional `e2b` package; the browser build has stand-ins that refuse.
import { loadE2BProvider, loadLocalProvider } from '#providers'
import type { DebugLog } from '../debug.js'
import { ClaudeAgentClientError } from '../errors.js'
import type { ClaudeAgentClientOptions } from '../options.js'
import { callerEnv } from './credentials.js'
import type { SandboxProvider } from './provider.js'
import { UrlProvider } from './url.js'

/** @throws ClaudeAgentClientError `NO_PROVIDER` when there is nowhere to run or find a server. */
export async function selectProvider(options: ClaudeAgentClientOptions, log: DebugLog): Promise<SandboxProvider> {
  const { provider } = options
  const token = options.token ?? options.authToken
  if (typeof provider === 'object') return provider
  if (options.connectionUrl !== undefined) return new UrlProvider(options.connectionUrl, { ...(token !== undefined && { token }) })
  if (provider === 'local') {
    const LocalProvider = await loadLocalProvider()
    return new LocalProvider({ ...options.local, anthropicApiKey: options.anthropicApiKey, token, log })
  }
  const apiKey = options.e2bApiKey ?? callerEnv()['E2B_API_KEY']
  if (apiKey) {
    const E2BProvider = await loadE2BProvider()
    return new E2BProvider({
      ...options.e2b,
      apiKey,
      template: options.template,
      timeoutMs: options.timeoutMs,
      sandboxId: options.sandboxId,
      anthropicApiKey: options.anthropicApiKey,
      token,
      log,
    })
  }
  const why = provider === 'e2b' || options.sandboxId !== undefined ? 'The E2B provider needs an API key. ' : 'No server to connect to. '
  throw new ClaudeAgentClientError(
    'NO_PROVIDER',
    `${why}Pass one of: \`connectionUrl\` (e.g. 'http://localhost:3000') for a running claude-agent-server; ` +
      "`provider: 'local'` to start the server package on this machine; or `e2bApiKey` (or the E2B_API_KEY " +
      'environment variable) to run it in an E2B sandbox.',
  )
}
