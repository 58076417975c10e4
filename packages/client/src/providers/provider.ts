// Where the server runs. A provider makes a claude-agent-server reachable and tears it down:
// a URL the user already has (url.ts) now; an E2B sandbox or a local process later.

export interface SandboxProvider {
  /** Make a server reachable; resolves with its base URL (`http(s)://` or `ws(s)://`). */
  start(): Promise<{ baseUrl: string }>
  /** Release what start() created. Idempotent; must not throw for a provider never started. */
  stop(): Promise<void>
}
