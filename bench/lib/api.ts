// The server's session API, as the bench uses it. node:http with a keep-alive agent: fetch
// costs the bench several times more CPU per request, which matters when creating 10,000
// sessions on two cores shared with the server.
import { Agent, request } from 'node:http'

export interface SessionView {
  id: string
  state: string
  lastSeq: number
  run: { pid?: number } | null
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 })

function call(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const text = body === undefined ? undefined : JSON.stringify(body)
  const headers: Record<string, string | number> =
    text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>
        const status = res.statusCode ?? 0
        if (status >= 200 && status < 300) resolve(json)
        else reject(new Error(`${method} ${path}: HTTP ${status} ${JSON.stringify(json)}`))
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(text)
  })
}

export async function createSession(base: string, id: string, config: Record<string, unknown> = {}): Promise<void> {
  await call(base, 'POST', '/sessions', { id, config })
}

/** A session with no id and no config: what the warm pool serves. Its generated id. */
export async function createDefaultSession(base: string): Promise<string> {
  const answer = (await call(base, 'POST', '/sessions', {})) as { session: { id: string } }
  return answer.session.id
}

export async function getSession(base: string, id: string): Promise<SessionView> {
  return (await call(base, 'GET', `/sessions/${id}`))['session'] as SessionView
}

export async function deleteSession(base: string, id: string): Promise<void> {
  await call(base, 'DELETE', `/sessions/${id}`)
}

/** The CLI pid of a session whose agent runs. */
export async function cliPid(base: string, id: string): Promise<number> {
  const pid = (await getSession(base, id)).run?.pid
  if (pid === undefined) throw new Error(`session ${id} has no running CLI`)
  return pid
}

/** Health check for start-up polling; false while the server does not answer. */
export function healthy(base: string): Promise<boolean> {
  return call(base, 'GET', '/health').then(
    () => true,
    () => false,
  )
}
