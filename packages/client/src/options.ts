// The options of ClaudeAgentClient: the original project's options, one object, documented defaults.
import type { QueryConfig } from '@claude-agent/protocol'
import { QueryConfigSchema } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from './errors.js'
import { resolveReconnect, type ReconnectOptions } from './session/backoff.js'

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
  /**
   * The session to attach to, created beforehand (e.g. with `client.sessions.create()`).
   * Query config options cannot be combined with it: a named session gets its config when it
   * is created.
   * @default undefined — the server's default session, over `/ws` (the original protocol)
   */
  sessionId?: string
  /**
   * On the first connection, replay the session's events with `seq > after` before the live
   * ones (`0`: the whole history). Reconnects always replay from the last event delivered.
   * @default undefined — live events only
   */
  after?: number
  /**
   * Reconnect by itself after the connection drops, replaying what was missed. `false` disables
   * it: a drop then ends the connection (`CONNECTION_CLOSED`) as before.
   * @default { enabled: true, initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: Infinity }
   */
  reconnect?: boolean | ReconnectOptions

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

/** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for options that cannot work together. */
export function validateOptions(options: ClaudeAgentClientOptions): void {
  resolveReconnect(options.reconnect)
  validateAfter(options.after)
  if (options.sessionId !== undefined && pickQueryConfig(options)) {
    throw new ClaudeAgentClientError(
      'INVALID_ARGUMENT',
      'Query config options (model, systemPrompt, ...) configure the default session through /config; ' +
        'for a named sessionId pass them to client.sessions.create({ id, config }) instead',
    )
  }
}

export function validateAfter(after: number | undefined): void {
  if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
    throw new ClaudeAgentClientError('INVALID_ARGUMENT', `after must be an integer >= 0, got ${String(after)}`)
  }
}
