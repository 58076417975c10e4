// The browser build's stand-ins for the providers that start a server (the package's `imports`
// map, `#providers`, under the `browser` condition): a bundle never contains the local provider
// (it spawns a process) or `e2b`, and choosing either says why at once.
import { ClaudeAgentClientError } from '../errors.js'
import type { E2BProvider } from './e2b.js'
import type { LocalProvider } from './local.js'

export async function loadLocalProvider(): Promise<typeof LocalProvider> {
  throw new ClaudeAgentClientError(
    'PROVIDER_FAILED',
    "provider: 'local' starts a server process, which a browser cannot: pass `connectionUrl` for a running server",
  )
}

export async function loadE2BProvider(): Promise<typeof E2BProvider> {
  throw new ClaudeAgentClientError(
    'PROVIDER_FAILED',
    'The E2B provider is not part of the browser build (it would put your E2B API key in the page): create the ' +
      'sandbox on a server and pass its `connectionUrl`, or import { E2BProvider } from "@claude-agent/client/e2b" ' +
      'and pass it as `provider`',
  )
}
