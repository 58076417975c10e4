// A client of GET /sessions-live for tests: the stream's lists as they come, and a bounded
// wait for one that matches.
import assert from 'node:assert/strict'
import { SessionsLiveLineSchema, type LiveSession } from '@claude-agent/protocol'
import { PRINCIPALS, type Who } from './principals.js'
import type { Stack } from './stack.js'

/** An open stream's lists, and a bounded wait for one that matches. */
export async function watchSessionsLive(stack: Stack, who: Who) {
  const abort = new AbortController()
  const res = await fetch(`${stack.url}/sessions-live`, {
    headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
    signal: abort.signal,
  })
  assert.equal(res.status, 200)
  const lists: LiveSession[][] = []
  let wake = () => {}
  void (async () => {
    let buffer = ''
    try {
      for await (const chunk of res.body!) {
        buffer += Buffer.from(chunk).toString('utf8')
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = SessionsLiveLineSchema.parse(JSON.parse(buffer.slice(0, nl)))
          buffer = buffer.slice(nl + 1)
          if (line.type === 'sessions') lists.push(line.sessions)
          wake()
        }
      }
    } catch {
      // aborted by the test
    }
  })()
  const until = async (match: (list: LiveSession[]) => boolean, what: string): Promise<LiveSession[]> => {
    const deadline = Date.now() + 20_000
    for (let from = 0; ;) {
      const found = lists.slice(from).find(match)
      if (found) return found
      from = lists.length
      if (Date.now() > deadline) throw new Error(`no list with ${what}: ${JSON.stringify(lists.at(-1))}`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 500)
      })
    }
  }
  return { lists, until, close: () => abort.abort() }
}
