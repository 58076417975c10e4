// The provider for a server that is already running: nothing to create, nothing to destroy.
import { deriveServerUrls } from '../urls.js'
import type { SandboxInfo, SandboxProvider, ServerEndpoint } from './provider.js'

export interface UrlProviderOptions {
  /** Bearer token the server requires. @default undefined (an open server) */
  token?: string
}

export class UrlProvider implements SandboxProvider {
  readonly name = 'url'
  /** The client sends `anthropicApiKey` in the config, as the original did. */
  readonly passesCredential = false

  /** @throws ClaudeAgentClientError `INVALID_ARGUMENT` when `url` is not http(s):// or ws(s)://. */
  constructor(
    private readonly url: string,
    private readonly options: UrlProviderOptions = {},
  ) {
    deriveServerUrls(url) // validate now, so a typo fails at construction, not at start()
  }

  async start(): Promise<ServerEndpoint> {
    return { baseUrl: this.url, ...(this.options.token !== undefined && { token: this.options.token }) }
  }

  async stop(): Promise<void> {}

  info(): SandboxInfo {
    return { provider: this.name, id: undefined, baseUrl: deriveServerUrls(this.url).httpUrl }
  }
}
