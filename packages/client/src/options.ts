// The options of ClaudeAgentClient: the original project's options, one object, documented defaults.
import type { QueryConfig } from '@claude-agent/protocol'
import { QueryConfigSchema } from '@claude-agent/protocol'

export interface ClaudeAgentClientOptions {
  /**
   * URL of a running claude-agent-server: `http(s)://host:port` or `ws(s)://host:port`.
   * The HTTP base (for `/config`) and the WebSocket URL (`/ws`) are both derived from it;
   * a URL that already ends in `/ws` is accepted too.
   * @default undefined — required for now: E2B sandboxes are not supported yet (`NO_PROVIDER`).
   */
  connectionUrl?: string
  /**
   * Log frames sent and received, and config requests, to `console.error` with a
   * `[claude-agent]` prefix. API keys are always redacted.
   * @default false
   */
  debug?: boolean
  /**
   * How long `start()` waits for the config request and the `connected` frame, in ms.
   * @default 10_000
   */
  connectTimeoutMs?: number

  // ---- E2B sandbox (not supported yet; accepted for compatibility with the original) ----
  /**
   * E2B API key for creating a sandbox. Unused with `connectionUrl`.
   * @default process.env.E2B_API_KEY (E2B mode only)
   */
  e2bApiKey?: string
  /**
   * E2B template name. Unused with `connectionUrl`.
   * @default 'claude-agent-server'
   */
  template?: string
  /**
   * E2B sandbox timeout in ms. Unused with `connectionUrl`.
   * @default 300_000 (5 minutes)
   */
  timeoutMs?: number

  // ---- Query config, POSTed to `/config` by start() (only the fields you set) ----
  /**
   * Anthropic API key for the server's agent. Sent only when given here: with `connectionUrl`
   * the client never reads it from the environment (the server may have its own).
   * @default undefined (E2B mode will fall back to process.env.ANTHROPIC_API_KEY)
   */
  anthropicApiKey?: string
  /**
   * Custom sub-agents by name.
   * @default undefined (the server's setting)
   */
  agents?: QueryConfig['agents']
  /**
   * Tools the agent may use without asking.
   * @default undefined (the server's setting)
   */
  allowedTools?: QueryConfig['allowedTools']
  /**
   * Tools the agent may not use.
   * @default undefined (the server's setting)
   */
  disallowedTools?: QueryConfig['disallowedTools']
  /**
   * A system prompt string, or `{ type: 'preset', preset: 'claude_code', append? }`.
   * @default undefined (the server's setting)
   */
  systemPrompt?: QueryConfig['systemPrompt']
  /**
   * Model name, e.g. `claude-sonnet-4-5`.
   * @default undefined (the server's setting)
   */
  model?: QueryConfig['model']
  /**
   * SDK permission mode.
   * @default undefined (the server's setting; the original ran `bypassPermissions`)
   */
  permissionMode?: QueryConfig['permissionMode']
  /**
   * Maximum agent turns per prompt.
   * @default undefined (the server's setting)
   */
  maxTurns?: QueryConfig['maxTurns']
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

// Derived from the schema so a field added to the protocol is forwarded without a change here.
const QUERY_CONFIG_FIELDS = Object.keys(QueryConfigSchema.shape) as (keyof QueryConfig)[]

/** The query config fields the user set, or undefined when none is set (then nothing is POSTed). */
export function pickQueryConfig(options: ClaudeAgentClientOptions): QueryConfig | undefined {
  const config: Record<string, unknown> = {}
  const source = options as Record<string, unknown>
  for (const field of QUERY_CONFIG_FIELDS) {
    if (source[field] !== undefined) config[field] = source[field]
  }
  return Object.keys(config).length > 0 ? (config as QueryConfig) : undefined
}
