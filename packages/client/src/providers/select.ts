// Picks the provider for a set of options. The E2B and local providers will be added here.
import { ClaudeAgentClientError } from '../errors.js'
import type { ClaudeAgentClientOptions } from '../options.js'
import type { SandboxProvider } from './provider.js'
import { UrlProvider } from './url.js'

/** @throws ClaudeAgentClientError `NO_PROVIDER` without `connectionUrl` (E2B is not supported yet). */
export function selectProvider(options: ClaudeAgentClientOptions): SandboxProvider {
  if (options.connectionUrl !== undefined) return new UrlProvider(options.connectionUrl)
  throw new ClaudeAgentClientError(
    'NO_PROVIDER',
    "No server to connect to: pass `connectionUrl` (e.g. 'http://localhost:3000') to a running " +
      'claude-agent-server. Creating E2B sandboxes from the client is not supported yet.',
  )
}
