// The server's sessions, live: one `GET /sessions-live` stream (NDJSON) for the whole page,
// each line the whole list this token may read, pushed by the server when a session changes.
// A dropped stream (a restart, the network) is opened again after a short wait, growing up to
// a few seconds; a 401 ends it (the page goes back to the token page).
import type { LiveSession, Principal } from '@claude-agent/protocol'
import { SessionsLiveLineSchema } from '@claude-agent/protocol'
import type { Problem } from './api'

const RETRY_MS = [250, 500, 1_000, 2_000, 4_000]

export interface LiveSessionsEvents {
  list(sessions: LiveSession[], principal: Principal): void
  problem(problem: Problem | undefined): void
}

async function problemOf(res: Response): Promise<Problem> {
  try {
    const body = (await res.json()) as { code?: string; error?: string }
    return { code: body.code ?? `HTTP ${res.status}`, message: body.error ?? res.statusText }
  } catch {
    return { code: `HTTP ${res.status}`, message: res.statusText }
  }
}

/** Reads lines off one response until it ends. */
async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
    }
  }
}

/** Starts watching; the returned function stops. */
export function watchSessions(token: string | undefined, events: LiveSessionsEvents): () => void {
  const abort = new AbortController()
  let failures = 0
  const once = async (): Promise<'again' | 'stop'> => {
    const res = await fetch('/sessions-live', {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: abort.signal,
      cache: 'no-store',
    })
    if (!res.ok || !res.body) {
      const problem = await problemOf(res)
      events.problem(problem)
      return problem.code === 'UNAUTHORIZED' ? 'stop' : 'again'
    }
    await readLines(res.body, (text) => {
      const line = SessionsLiveLineSchema.safeParse(JSON.parse(text))
      if (!line.success || line.data.type !== 'sessions') return
      failures = 0
      events.problem(undefined)
      events.list(line.data.sessions, line.data.principal)
    })
    return 'again'
  }
  void (async () => {
    while (!abort.signal.aborted) {
      const next = await once().catch(() => 'again' as const)
      if (next === 'stop' || abort.signal.aborted) return
      const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  })()
  return () => abort.abort()
}
