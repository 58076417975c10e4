// Keeps every request received so tests can assert on them. Credentials are redacted at
// the door: the API key value is never stored, so it can never be printed or served.
import type { IncomingHttpHeaders } from 'node:http'

/** How a request was answered. */
export type RequestKind =
  | 'turn' // a scripted reply
  | 'fallback' // no script matched, or the script had no reply left
  | 'model-check'
  | 'session-title'
  | 'structured-output'
  | 'invalid' // 400: bad JSON or bad shape
  | 'other' // anything else (404, connectivity check)

export interface RecordedRequest {
  /** 0-based arrival order since start or the last reset(). */
  seq: number
  /** ISO time of arrival. */
  at: string
  method: string
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  path: string
  /** Lower-case names; x-api-key, authorization, cookie values replaced by `[redacted]`. */
  headers: Record<string, string>
  /** Parsed JSON body, the raw text if it was not JSON, or undefined if empty. */
  body: unknown
  kind: RequestKind
  /** Script that answered (kind 'turn'). */
  script?: string
  replyIndex?: number
}

const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie'])

export const REDACTED = '[redacted]'

/** Flattens and redacts incoming headers. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = SECRET_HEADERS.has(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** An append-only log with a cap, so a long-running demo server does not grow without bound. */
export class RequestLog {
  /** Same array for the log's life (reset() empties it in place). */
  readonly entries: RecordedRequest[] = []
  private seq = 0

  constructor(private readonly limit: number) {}

  add(entry: Omit<RecordedRequest, 'seq'>): RecordedRequest {
    const recorded = { seq: this.seq++, ...entry }
    this.entries.push(recorded)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
    return recorded
  }

  clear(): void {
    this.entries.length = 0
    this.seq = 0
  }
}
