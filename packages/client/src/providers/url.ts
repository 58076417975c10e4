// The provider for a server that is already running: nothing to create, nothing to destroy.
import { deriveServerUrls } from '../urls.js'
import type { SandboxProvider } from './provider.js'

export class UrlProvider implements SandboxProvider {
  /** @throws ClaudeAgentClientError `INVALID_ARGUMENT` when `url` is not http(s):// or ws(s)://. */
  constructor(private readonly url: string) {
    deriveServerUrls(url) // validate now, so a typo fails at construction, not at start()
  }

  async start(): Promise<{ baseUrl: string }> {
    return { baseUrl: this.url }
  }

  async stop(): Promise<void> {}
}
