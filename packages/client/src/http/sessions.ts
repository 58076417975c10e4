// The native session API over HTTP: create, list, get, delete sessions and page through a
// session's event history. Answers are validated with the protocol's schemas.
import type { CreateSessionRequest, SessionDetails, SessionEventsResponse, SessionInfo } from '@claude-agent/protocol'
import { RunInfoSchema, ServerFrameSchema, SessionInfoSchema, redactConfig } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { httpEndpoint, loggableUrl, pathSegment } from '../urls.js'
import { requestJson, type HttpContext } from './request.js'

/** `GET /sessions/:id`: the session and its live agent process (`run`, `null` when none runs). */
export type { SessionDetails }

export interface HistoryOptions {
  /** Events with a sequence number above this. @default 0 (from the start) */
  after?: number
  /** At most this many events (the server allows 1 to 10 000). @default 1000 (the server's default) */
  limit?: number
}

/** A page of a session's events, as the WebSocket delivered them (`GET /sessions/:id/events`). */
export type SessionHistory = SessionEventsResponse

export interface SessionsHttpOptions extends HttpContext {
  /** The server's base URL (`connectionUrl`). */
  baseUrl: string
}

const sessionPath = (id: string) => `/sessions/${pathSegment(id, 'session id')}`

export async function createSession(request: CreateSessionRequest, options: SessionsHttpOptions): Promise<SessionInfo> {
  const url = httpEndpoint(options.baseUrl, '/sessions')
  const logBody = request.config ? { ...request, config: redactConfig(request.config) } : request
  const body = await requestJson({ method: 'POST', url, body: request, logBody, failureCode: 'REQUEST_FAILED', ...options })
  return sessionInfo(field(body, 'session'), url)
}

export async function listSessions(options: SessionsHttpOptions): Promise<SessionInfo[]> {
  const url = httpEndpoint(options.baseUrl, '/sessions')
  const list = field(await requestJson({ method: 'GET', url, failureCode: 'REQUEST_FAILED', ...options }), 'sessions')
  if (!Array.isArray(list)) throw malformed(url, 'sessions is not an array')
  return list.map((item) => sessionInfo(item, url))
}

export async function getSession(id: string, options: SessionsHttpOptions): Promise<SessionDetails> {
  const url = httpEndpoint(options.baseUrl, sessionPath(id))
  const session = field(await requestJson({ method: 'GET', url, failureCode: 'REQUEST_FAILED', ...options }), 'session')
  const info = sessionInfo(session, url)
  const run = (session as { run?: unknown }).run ?? null
  if (run !== null && !RunInfoSchema.safeParse(run).success) throw malformed(url, 'run is not an agent run')
  return { ...info, run: run as SessionDetails['run'] }
}

export async function deleteSession(id: string, options: SessionsHttpOptions): Promise<void> {
  const url = httpEndpoint(options.baseUrl, sessionPath(id))
  await requestJson({ method: 'DELETE', url, failureCode: 'REQUEST_FAILED', ...options })
}

export async function sessionHistory(id: string, page: HistoryOptions, options: SessionsHttpOptions): Promise<SessionHistory> {
  const url = httpEndpoint(options.baseUrl, `${sessionPath(id)}/events`, { after: page.after, limit: page.limit })
  const body = await requestJson({ method: 'GET', url, failureCode: 'REQUEST_FAILED', ...options })
  const { events, lastSeq, hasMore } = (body ?? {}) as { events?: unknown; lastSeq?: unknown; hasMore?: unknown }
  if (!Array.isArray(events) || typeof lastSeq !== 'number' || typeof hasMore !== 'boolean') {
    throw malformed(url, 'expected { events, lastSeq, hasMore }')
  }
  const frames = events.map((event) => {
    const parsed = ServerFrameSchema.safeParse(event)
    if (!parsed.success) throw malformed(url, `an event does not parse: ${parsed.error.message}`)
    return parsed.data
  })
  return { events: frames, lastSeq, hasMore }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined
}

/** Validated, but returned as sent: fields a newer server adds are kept. */
function sessionInfo(value: unknown, url: string): SessionInfo {
  const parsed = SessionInfoSchema.safeParse(value)
  if (!parsed.success) throw malformed(url, `not a session: ${parsed.error.message}`)
  return value as SessionInfo
}

function malformed(url: string, why: string): ClaudeAgentClientError {
  return new ClaudeAgentClientError('INVALID_SERVER_FRAME', `${loggableUrl(url)} answered something unexpected: ${why}`)
}
