// The options of ClaudeAgentClient: the original project's options, one object, documented defaults.
import type { QueryConfig } from '@claude-agent/protocol'
import { QueryConfigSchema } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from './errors.js'
import type { E2BProviderOptions } from './providers/e2b.js'
import type { LocalProviderOptions } from './providers/local.js'
import type { SandboxProvider } from './providers/provider.js'
import { resolveReconnect, type ReconnectOptions } from './session/backoff.js'
import { WEBSOCKET_SENDS_HEADERS } from '#websocket'
import { validateSubprotocolToken, validateToken } from './token-format.js'
import { pathSegment } from './urls.js'

/** Where the server runs: see `ClaudeAgentClientOptions.provider`. */
export type ProviderChoice = 'url' | 'local' | 'e2b' | SandboxProvider

export interface ClaudeAgentClientOptions {
  /**
   * URL of a running claude-agent-server: `http(s)://host:port` or `ws(s)://host:port`.
   * The HTTP base (for `/config`) and the WebSocket URL (`/ws`) are both derived from it;
   * a URL that already ends in `/ws` is accepted too. Selects the `url` provider.
   * @default undefined
   */
  connectionUrl?: string
  /**
   * Where the server runs:
   * - `'url'`: a running server at `connectionUrl` (the default when `connectionUrl` is set);
   * - `'local'`: start the server package (`@claude-agent/server`) as a child process on a free
   *   loopback port, with a fresh token (options in `local`);
   * - `'e2b'`: create an E2B sandbox from `template` and start the server in it (the default
   *   without `connectionUrl` when `e2bApiKey` or `E2B_API_KEY` is set; options in `e2b`);
   * - a `SandboxProvider` of your own.
   * @default 'url' with `connectionUrl`, else 'e2b' with an E2B API key, else `NO_PROVIDER`
   */
  provider?: ProviderChoice
  /**
   * Bearer token the server requires, sent as `Authorization: Bearer` on every request and the
   * WebSocket (in browsers as the subprotocols `['bearer', token]`). Never logged. For `local`
   * and `e2b` it is the token the started server gets (default: a fresh random one).
   * @default undefined
   */
  token?: string
  /** Another name for `token`. */
  authToken?: string
  /**
   * Who this client is, recorded in the approval audit trail when it answers a permission
   * request (`?label=` on the WebSocket). A token's own label takes precedence on the server.
   * @default undefined
   */
  label?: string
  /**
   * Receive partial messages (`stream_event` SDK messages, `?partial=1` on the WebSocket): the
   * answer's text and a tool call's input as the model streams them, before the whole message.
   * Works with every provider; `sessions.attach()` takes it per connection too.
   * @default false
   */
  partial?: boolean
  /** Options of the `local` provider (data and workspace directories, extra env, log level, ...). */
  local?: Omit<LocalProviderOptions, 'anthropicApiKey' | 'token' | 'log'>
  /** Options of the `e2b` provider beyond `e2bApiKey`, `template`, `timeoutMs`, `sandboxId`. */
  e2b?: Omit<E2BProviderOptions, 'apiKey' | 'template' | 'timeoutMs' | 'sandboxId' | 'anthropicApiKey' | 'token' | 'log'>
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

  // ---- E2B sandbox (the original's default) ----
  /**
   * E2B API key for creating a sandbox. Its presence selects the `e2b` provider when there is
   * no `connectionUrl`.
   * @default process.env.E2B_API_KEY
   */
  e2bApiKey?: string
  /**
   * E2B template name.
   * @default 'claude-agent-server'
   */
  template?: string
  /**
   * E2B sandbox timeout in ms, renewed while a turn runs.
   * @default 300_000 (5 minutes)
   */
  timeoutMs?: number
  /**
   * Connect to this existing E2B sandbox (running or paused, e.g. after `client.pause()`)
   * instead of creating one. Selects the `e2b` provider.
   * @default undefined
   */
  sandboxId?: string

  // ---- Query config, POSTed to `/config` by start() (only the fields you set) ----
  /**
   * Anthropic API key for the server's agent. With `connectionUrl` it is POSTed in the config
   * only when given here (the client never reads the environment; the server may have its own).
   * The `local` and `e2b` providers put it in the server's environment instead, never in
   * `/config`, and fall back to the caller's ANTHROPIC_API_KEY (or other credential variables).
   * @default undefined
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

/**
 * The query config fields the user set, or undefined when none is set (then nothing is POSTed).
 * `withCredential: false` leaves `anthropicApiKey` out (a provider put it in the server's environment).
 */
export function pickQueryConfig(options: ClaudeAgentClientOptions, withCredential = true): QueryConfig | undefined {
  const config: Record<string, unknown> = {}
  const source = options as Record<string, unknown>
  for (const field of QUERY_CONFIG_FIELDS) {
    if (field === 'anthropicApiKey' && !withCredential) continue
    if (source[field] !== undefined) config[field] = source[field]
  }
  return Object.keys(config).length > 0 ? (config as QueryConfig) : undefined
}

/** @throws ClaudeAgentClientError `INVALID_ARGUMENT` for options that cannot work together. */
export function validateOptions(options: ClaudeAgentClientOptions): void {
  resolveReconnect(options.reconnect)
  validateAfter(options.after)
  validateTimeout(options.connectTimeoutMs, 'connectTimeoutMs')
  if (options.sessionId !== undefined) pathSegment(options.sessionId, 'sessionId')
  validateProvider(options)
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

/** The longest wait a timer can keep (setTimeout takes 32-bit ms; beyond, it fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A timeout in ms that a timer can keep: > 0 and at most ~24.8 days (`Infinity` would fire at once). */
export function validateTimeout(ms: number | undefined, name: string): void {
  if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && ms <= MAX_TIMER_MS)) {
    throw new ClaudeAgentClientError('INVALID_ARGUMENT', `${name} must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(ms)}`)
  }
}

function validateProvider(options: ClaudeAgentClientOptions): void {
  const { provider, connectionUrl } = options
  const invalid = (message: string) => new ClaudeAgentClientError('INVALID_ARGUMENT', message)
  if (provider === 'url' && connectionUrl === undefined) throw invalid("provider: 'url' needs connectionUrl")
  if ((provider === 'local' || provider === 'e2b') && connectionUrl !== undefined) {
    throw invalid(`provider: '${provider}' starts its own server; remove connectionUrl (or use provider: 'url')`)
  }
  if (typeof provider === 'string' && !['url', 'local', 'e2b'].includes(provider)) {
    throw invalid(`provider must be 'url', 'local', 'e2b' or a SandboxProvider, got "${provider}"`)
  }
  if (options.sandboxId !== undefined && (connectionUrl !== undefined || (provider !== undefined && provider !== 'e2b'))) {
    throw invalid('sandboxId reconnects to an E2B sandbox; it cannot be combined with connectionUrl or another provider')
  }
  const sessionId = options.e2b?.sessionId
  if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId === '' || sessionId.length > 256)) {
    throw invalid('e2b.sessionId must be a non-empty string of at most 256 characters')
  }
  const onClose = options.e2b?.onClose
  if (onClose !== undefined && !['kill', 'pause', 'keep'].includes(onClose)) {
    throw invalid(`e2b.onClose must be 'kill', 'pause' or 'keep', got "${String(onClose)}"`)
  }
  if (sessionId !== undefined && options.sandboxId !== undefined) {
    throw invalid('e2b.sessionId finds the sandbox by session; it cannot be combined with sandboxId')
  }
  if (options.token !== undefined && options.authToken !== undefined && options.token !== options.authToken) {
    throw invalid('token and authToken are the same option; pass one')
  }
  const token = options.token ?? options.authToken
  validateToken(token, options.token !== undefined ? 'token' : 'authToken')
  // In a browser the WebSocket carries it as a subprotocol: refuse now what every socket would.
  if (token && !WEBSOCKET_SENDS_HEADERS) validateSubprotocolToken(token)
}
