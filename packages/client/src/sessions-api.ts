// `client.sessions`: the server's session API (HTTP) and attaching to a session (WebSocket).
// Works before start(): it only needs the server's URL.
import type { Budget, CreateSessionRequest, PrincipalUsage, SessionInfo, SessionUsageResponse } from '@claude-agent/protocol'
import type { DebugLog } from './debug.js'
import {
  createSession,
  deleteSession,
  getSession,
  listSessions,
  sessionHistory,
  type HistoryOptions,
  type SessionDetails,
  type SessionHistory,
  type SessionsHttpOptions,
} from './http/sessions.js'
import { setReader } from './http/tenancy.js'
import { principalUsage, sessionUsage, setPrincipalBudget, setSessionBudget } from './http/usage.js'
import { validateAfter, validateTimeout } from './options.js'
import { resolveReconnect, type ReconnectOptions } from './session/backoff.js'
import { SessionConnection } from './session/connection.js'
import { Hub } from './session/hub.js'

export interface AttachOptions {
  /**
   * Replay the session's events with `seq > after` first (`0`: the whole history).
   * @default undefined — live events only
   */
  after?: number
  /** @default the client's `reconnect` option */
  reconnect?: boolean | ReconnectOptions
  /** @default the client's `connectTimeoutMs` */
  connectTimeoutMs?: number
  /** Who this connection is, for the approval audit trail. @default the client's `label` */
  label?: string
  /** Receive partial messages (`?partial=1`). @default the client's `partial` option */
  partial?: boolean
}

export interface SessionsApiContext {
  /** The server's base URL. @throws ClaudeAgentClientError when there is none yet. */
  baseUrl(): string
  /** The bearer token for this server, if it needs one. */
  token(): string | undefined
  log: DebugLog
  reconnect: boolean | ReconnectOptions | undefined
  connectTimeoutMs: number
  label: string | undefined
  partial: boolean
}

/**
 * @example
 * const info = await client.sessions.create({ id: 'build-42', config: { model: 'claude-sonnet-4-5' } })
 * const session = await client.sessions.attach(info.id)
 * console.log((await session.prompt('Run the tests')).result)
 * await session.close()
 */
export class SessionsApi {
  private readonly attached = new Set<SessionConnection>()

  constructor(private readonly context: SessionsApiContext) {}

  /** `POST /sessions`. Rejects `REQUEST_FAILED` (`wireError.code` e.g. `SESSION_EXISTS`, `INVALID_REQUEST`). */
  async create(request: CreateSessionRequest = {}): Promise<SessionInfo> {
    return createSession(request, this.http())
  }

  /** `GET /sessions`. */
  async list(): Promise<SessionInfo[]> {
    return listSessions(this.http())
  }

  /** `GET /sessions/:id`. Rejects `REQUEST_FAILED` with `wireError.code` `SESSION_NOT_FOUND`. */
  async get(id: string): Promise<SessionDetails> {
    return getSession(id, this.http())
  }

  /** `DELETE /sessions/:id`: attached clients are disconnected (close code 4404). */
  async delete(id: string): Promise<void> {
    return deleteSession(id, this.http())
  }

  /** `PUT /sessions/:id/readers/:principal`: `principal` may read the session (and answer nothing).
   * Its owner or an admin only; resolves with the session's readers. */
  async share(id: string, principal: string): Promise<string[]> {
    return setReader(id, principal, true, this.http())
  }

  /** `DELETE /sessions/:id/readers/:principal`: takes a reader back; its sockets on the session close. */
  async unshare(id: string, principal: string): Promise<string[]> {
    return setReader(id, principal, false, this.http())
  }

  /** `GET /sessions/:id/events`: one page of the session's events. */
  async history(id: string, options: HistoryOptions = {}): Promise<SessionHistory> {
    return sessionHistory(id, options, this.http())
  }

  /** `GET /sessions/:id/usage`: tokens and cost the server counted, and the session's budget. */
  async usage(id: string): Promise<SessionUsageResponse> {
    return sessionUsage(id, this.http())
  }

  /** `PUT /sessions/:id/budget`: the session's spending cap in US dollars (`null`: none). */
  async setBudget(id: string, limitUsd: number | null): Promise<Budget> {
    return setSessionBudget(id, limitUsd, this.http())
  }

  /** `GET /usage`: spending per principal (every one, or the one named). */
  async principalUsage(principal?: string): Promise<PrincipalUsage[]> {
    return principalUsage(principal, this.http())
  }

  /** `PUT /principals/:id/budget`: a principal's cap over all its sessions (`null`: none). */
  async setPrincipalBudget(principal: string, limitUsd: number | null): Promise<Budget> {
    return setPrincipalBudget(principal, limitUsd, this.http())
  }

  /**
   * Open a connection to session `id` and resolve once connected. It reconnects by itself and
   * has the surface of the client (send, prompt, interrupt, onMessage, messages, close).
   * Rejects `CONNECTION_FAILED` (`wireError.code` `SESSION_NOT_FOUND` for an unknown id).
   */
  async attach(id: string, options: AttachOptions = {}): Promise<SessionConnection> {
    validateAfter(options.after)
    validateTimeout(options.connectTimeoutMs, 'connectTimeoutMs')
    const { log } = this.context
    const token = this.context.token()
    const label = options.label ?? this.context.label
    const connection = new SessionConnection({
      baseUrl: this.context.baseUrl(),
      ...(token !== undefined && { token }),
      ...(label !== undefined && { label }),
      ...((options.partial ?? this.context.partial) && { partial: true }),
      sessionId: id,
      after: options.after,
      reconnect: resolveReconnect(options.reconnect ?? this.context.reconnect),
      connectTimeoutMs: options.connectTimeoutMs ?? this.context.connectTimeoutMs,
      log,
      hub: new Hub(log),
    })
    this.attached.add(connection)
    connection.onConnectionChange((change) => change.state === 'closed' && this.attached.delete(connection))
    await connection.open()
    return connection
  }

  /** Close every connection attach() made and that is still open. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.attached].map((connection) => connection.close()))
  }

  /** The HTTP context of this server (shared with `client.tokens`). */
  http(): SessionsHttpOptions {
    const token = this.context.token()
    return { baseUrl: this.context.baseUrl(), log: this.context.log, ...(token !== undefined && { token }) }
  }
}
