// One connection URL in, the server's HTTP and WebSocket endpoints out.
import { ClaudeAgentClientError } from './errors.js'

export interface ServerUrls {
  /** HTTP base without a trailing slash, e.g. `http://localhost:3000`. */
  httpUrl: string
  /** `POST`/`GET` config endpoint, e.g. `http://localhost:3000/config`. */
  configUrl: string
  /** WebSocket endpoint, e.g. `ws://localhost:3000/ws`. */
  wsUrl: string
}

const HTTP_SCHEME: Record<string, string> = {
  'http:': 'http:',
  'https:': 'https:',
  'ws:': 'http:',
  'wss:': 'https:',
}
const WS_SCHEME: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:' }

interface Base {
  /** e.g. `http://h:1/prefix` */
  http: string
  /** e.g. `ws://h:1/prefix` */
  ws: string
  /** The connection URL's query string, `''` or `?t=x`. */
  search: string
}

function parseBase(connectionUrl: string): Base {
  let url: URL
  try {
    url = new URL(connectionUrl)
  } catch {
    throw invalid(`connectionUrl is not a valid URL: "${connectionUrl}"`)
  }
  const httpScheme = HTTP_SCHEME[url.protocol]
  const wsScheme = httpScheme === undefined ? undefined : WS_SCHEME[httpScheme]
  if (httpScheme === undefined || wsScheme === undefined) {
    throw invalid(`connectionUrl must start with http://, https://, ws:// or wss://, got "${url.protocol}//"`)
  }
  if (url.username || url.password) {
    // fetch() refuses URLs with credentials; say so now rather than fail on the first request.
    throw invalid('connectionUrl must not contain credentials (user:password@)')
  }
  let path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith('/ws')) path = path.slice(0, -'/ws'.length)
  return { http: `${httpScheme}//${url.host}${path}`, ws: `${wsScheme}//${url.host}${path}`, search: url.search }
}

/**
 * Derive the endpoints from `http(s)://` or `ws(s)://` URL. A path prefix is kept
 * (`http://h/agent` -> `ws://h/agent/ws`), a trailing `/ws` is taken as the WebSocket endpoint
 * itself, and a query string is kept on both endpoints (e.g. a proxy token).
 *
 * @throws ClaudeAgentClientError `INVALID_ARGUMENT` for anything else.
 */
export function deriveServerUrls(connectionUrl: string): ServerUrls {
  const base = parseBase(connectionUrl)
  return {
    httpUrl: base.http,
    configUrl: `${base.http}/config${base.search}`,
    wsUrl: `${base.ws}/ws${base.search}`,
  }
}

export type QueryParams = Record<string, string | number | undefined>

/** `path` (e.g. `/sessions/a`) under the server's HTTP base, with the connection URL's query and `params`. */
export function httpEndpoint(connectionUrl: string, path: string, params: QueryParams = {}): string {
  const base = parseBase(connectionUrl)
  return `${base.http}${path}${withParams(base.search, params)}`
}

/** `path` (e.g. `/files/watch`) under the server's WebSocket base, with the connection URL's query and `params`. */
export function wsEndpoint(connectionUrl: string, path: string, params: QueryParams = {}): string {
  const base = parseBase(connectionUrl)
  return `${base.ws}${path}${withParams(base.search, params)}`
}

/** The WebSocket endpoint of a session (`/ws` for the default session), with `params`. */
export function sessionWsEndpoint(connectionUrl: string, sessionId: string | undefined, params: QueryParams = {}): string {
  const base = parseBase(connectionUrl)
  const path = sessionId === undefined ? '/ws' : `/sessions/${pathSegment(sessionId, 'session id')}/ws`
  return `${base.ws}${path}${withParams(base.search, params)}`
}

function withParams(search: string, params: QueryParams): string {
  const query = new URLSearchParams(search)
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value))
  const text = query.toString()
  return text ? `?${text}` : ''
}

/**
 * `value` as one segment of a path: encoded, and never `''`, `.` or `..`, which a URL resolves to
 * another path (`/sessions/../ws` is `/ws`, the default session) instead of naming anything.
 * @throws ClaudeAgentClientError `INVALID_ARGUMENT` for those.
 */
export function pathSegment(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
    throw invalid(`${what} must be a non-empty string other than "." and "..", got ${JSON.stringify(value)}`)
  }
  return encodeURIComponent(value)
}

/** A URL safe to log: the query string (which may carry a token) is dropped. */
export function loggableUrl(url: string): string {
  const i = url.indexOf('?')
  return i === -1 ? url : `${url.slice(0, i)}?…`
}

function invalid(message: string): ClaudeAgentClientError {
  return new ClaudeAgentClientError('INVALID_ARGUMENT', message)
}
