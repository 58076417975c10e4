// Where the server runs. A provider makes a claude-agent-server reachable and tears it down:
// a URL the user already has (url.ts), a child process on this machine (local.ts), or an E2B
// sandbox (e2b.ts). Every provider passes the same contract suite (test/providers/contract.ts).

/** How to reach a server a provider started. */
export interface ServerEndpoint {
  /** Base URL: `http(s)://` or `ws(s)://`. */
  baseUrl: string
  /** The bearer token the server requires, when the provider chose or knows it. */
  token?: string
}

/** What a provider says about the machine it runs the server on (`client.sandbox`). */
export interface SandboxInfo {
  /** `url`, `local`, `e2b`, or a custom provider's name. */
  provider: string
  /** The sandbox id (E2B), `local-<pid>` for a local process; undefined for a plain URL. */
  id: string | undefined
  /** Provider-specific details (E2B template, local data and workspace directories, ...). */
  [detail: string]: unknown
}

export interface SandboxProvider {
  /** `url`, `local`, `e2b`, or a custom name. */
  readonly name: string
  /**
   * True when the provider hands the model credential to the server in its environment: the
   * client then never sends `anthropicApiKey` over `/config`.
   */
  readonly passesCredential: boolean
  /** Make a server reachable. Aborting `signal` gives up (stop() still cleans up). */
  start(signal?: AbortSignal): Promise<ServerEndpoint>
  /** Release what start() created. Idempotent; must not throw for a provider never started. */
  stop(): Promise<void>
  /** Where the server runs, once started. */
  info(): SandboxInfo | undefined
  /** A turn started (a prompt was sent, or the session went `running`): e.g. keep a sandbox alive. */
  onTurnStart?(): void
  /** No turn runs any more (the session went `idle`, `suspended` or `failed`). */
  onTurnEnd?(): void
  /**
   * Asked while reconnecting fails: why the server can never come back (its sandbox was killed
   * or expired, its process exited), or undefined while it may. The client then ends the
   * connection at once instead of retrying forever.
   */
  gone?(): Promise<string | undefined>
  /** Freeze the server's machine, keeping its state (the connection is closed first). */
  pause?(): Promise<void>
  /** Bring a paused machine back; resolves with where the server is now. */
  resume?(signal?: AbortSignal): Promise<ServerEndpoint>
}
