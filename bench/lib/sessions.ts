// Bulk session work for the memory and concurrency measures.
import { cliPid, createSession } from './api.js'
import type { ServerProcess } from './server-process.js'
import { PROMPT } from './scenario.js'
import { WsRecorder, is } from './ws-recorder.js'

/** Runs `task` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await task(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** Creates sessions `${prefix}${from}` .. `${prefix}${to - 1}` through the API. */
export async function createSessions(server: ServerProcess, prefix: string, from: number, to: number): Promise<void> {
  const ids = Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`)
  await pool(ids, 8, (id) => createSession(server.url, id))
}

export interface LiveSession {
  id: string
  client: WsRecorder
  /** The session's CLI process. */
  pid: number
}

/** Creates a session, attaches a client and runs one text turn: its CLI stays up afterwards. */
export async function startLiveSession(server: ServerProcess, id: string): Promise<LiveSession> {
  await createSession(server.url, id)
  const client = await WsRecorder.open(server.wsUrl(id))
  client.prompt(PROMPT.turn)
  await client.next(is.result)
  client.clear()
  return { id, client, pid: await cliPid(server.url, id) }
}
