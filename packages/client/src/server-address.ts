// Where the client's server is and how to reach it: the provider's endpoint once started (else
// `connectionUrl`), the bearer token, the connect timeout and the URLs derived from them.
import type { DebugLog } from './debug.js'
import { ClaudeAgentClientError } from './errors.js'
import type { WorkspaceTarget } from './files/files.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, type ClaudeAgentClientOptions } from './options.js'
import type { ServerEndpoint } from './providers/provider.js'
import { deriveServerUrls } from './urls.js'

export class ServerAddress {
  private endpoint?: ServerEndpoint

  /** `secrets`: the debug log's redaction set; a token the provider makes up is added to it. */
  constructor(
    private readonly options: ClaudeAgentClientOptions,
    private readonly secrets: Set<string>,
  ) {}

  get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  }

  /** The provider's token (it may have made one up), else the one given in the options. */
  get token(): string | undefined {
    return this.endpoint?.token ?? this.options.token ?? this.options.authToken
  }

  /** The started server's base URL. */
  get started(): string | undefined {
    return this.endpoint?.baseUrl
  }

  use(endpoint: ServerEndpoint | undefined): void {
    if (endpoint?.token) this.secrets.add(endpoint.token)
    this.endpoint = endpoint
  }

  /** @throws `NOT_CONNECTED` unless started (and not stopping). */
  configUrl(method: string, stopping: boolean): string {
    if (this.endpoint !== undefined && !stopping) return deriveServerUrls(this.endpoint.baseUrl).configUrl
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot ${method}(): the client is not started; call start() first`)
  }

  /** `connectionUrl`, else the started server's. @throws `NOT_CONNECTED` when neither is known. */
  requireBaseUrl(what: string): string {
    const baseUrl = this.options.connectionUrl ?? this.endpoint?.baseUrl
    if (baseUrl !== undefined) return baseUrl
    throw new ClaudeAgentClientError('NOT_CONNECTED', `Cannot use ${what}: no connectionUrl, and the client is not started`)
  }

  /** Where files and commands go: this server, `sessionId`'s workspace. */
  workspaceTarget(method: string, sessionId: string, log: DebugLog, reportError: WorkspaceTarget['reportError']): WorkspaceTarget {
    const token = this.token
    return {
      baseUrl: this.requireBaseUrl(method),
      log,
      ...(token !== undefined && { token }),
      sessionId,
      timeoutMs: this.connectTimeoutMs,
      reportError,
    }
  }
}
