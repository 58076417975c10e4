// GET /sessions-live: the list pushed again on each change, to each principal only what it may
// read; a session's state and clients as they change, its deletion, a revoked token's stream
// ended. Each wait is on a line of the stream (with a timeout), never on a timer.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { SessionsLiveLineSchema, type LiveSession } from '@claude-agent/protocol'
import { PRINCIPALS, as, startTenancyStack, type Who } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

/** One open stream: every list it delivered, and a wait for one that matches. */
class LiveList {
  readonly lists: LiveSession[][] = []
  principal: unknown
  ended = false
  private waiters: Array<() => void> = []
  private constructor(private readonly abort: AbortController) {}

  static async open(stack: Stack, token: string): Promise<LiveList> {
    const abort = new AbortController()
    const res = await fetch(`${stack.url}/sessions-live`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/)
    const live = new LiveList(abort)
    void live.read(res.body!)
    return live
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true })
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = SessionsLiveLineSchema.parse(JSON.parse(buffer.slice(0, newline)))
          buffer = buffer.slice(newline + 1)
          if (line.type === 'sessions') {
            this.lists.push(line.sessions)
            this.principal = line.principal
          }
          this.wake()
        }
      }
    } catch {
      // aborted by the test
    }
    this.ended = true
    this.wake()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** The first list (from the start) that `match` accepts. */
  async until(match: (list: LiveSession[]) => boolean, what: string): Promise<LiveSession[]> {
    const deadline = Date.now() + 30_000
    for (;;) {
      const found = this.lists.find(match)
      if (found) return found
      if (this.ended) throw new Error(`the stream ended before ${what}`)
      if (Date.now() > deadline) throw new Error(`no list with ${what}: ${JSON.stringify(this.lists.at(-1))}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 1000)
      })
    }
  }

  /** Waits for the stream to end (by the server). */
  async closedByServer(): Promise<void> {
    await this.until(() => false, 'its end').catch((e: Error) => {
      if (!this.ended) throw e
    })
  }

  close(): void {
    this.abort.abort()
  }
}

const ids = (list: LiveSession[]) => list.map((s) => s.id)
const find = (list: LiveSession[], id: string) => list.find((s) => s.id === id)

describe('GET /sessions-live', () => {
  let stack: Stack
  const streams: LiveList[] = []
  const open = async (who: Who | { token: string }) => {
    const live = await LiveList.open(stack, typeof who === 'string' ? PRINCIPALS[who].token : who.token)
    streams.push(live)
    return live
  }
  const create = async (who: Who) => (await as(stack, who, 'POST', '/sessions', {})).body['session'].id as string
  before(async () => {
    const bash = { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: 'echo yes > allowed.txt' } }] }
    const text = { content: [{ type: 'text' as const, text: 'done' }] }
    stack = await startTenancyStack({ scenario: { scripts: [{ match: { prompt: 'run it' }, replies: [bash, text] }] } })
  })
  after(async () => {
    for (const s of streams) s.close()
    await stack.close()
  })

  it('needs a token', async () => {
    const res = await fetch(`${stack.url}/sessions-live`)
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHORIZED')
  })

  it('pushes a new session to those who may read it, and only to them', async () => {
    const ann = await open('ann')
    const root = await open('root')
    const first = await ann.until(() => true, 'a first list')
    assert.ok(!ids(first).includes('default'), "a member does not see the admins' default session")
    assert.deepEqual(ann.principal, { id: 'ann', role: 'member' }, 'who the caller is')
    const bobs = await create('bob')
    const anns = await create('ann')
    await root.until((l) => ids(l).includes(bobs) && ids(l).includes(anns), 'both sessions')
    await ann.until((l) => ids(l).includes(anns), "ann's session")
    assert.ok(
      ann.lists.every((l) => !ids(l).includes(bobs)),
      "ann never sees bob's session",
    )
    assert.equal(find(ann.lists.at(-1)!, anns)?.owner, 'ann')
  })

  it('shows the clients attached, the state as a turn waits and ends, the last event, and a deletion', async () => {
    const id = await create('ann')
    const ann = await open('ann')
    await ann.until((l) => find(l, id)?.clients === 0, 'no client yet')
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws?access_token=${PRINCIPALS.ann.token}`)
    await ann.until((l) => find(l, id)?.clients === 1, 'one client')
    probe.prompt('run it')
    // Waiting for the approval holds the state still long enough for any push to show it.
    const request = await probe.next((f) => f.type === 'permission_request')
    await ann.until((l) => find(l, id)?.state === 'waiting_for_approval', 'the turn waiting')
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
    await probe.result()
    const done = await ann.until((l) => find(l, id)?.state === 'idle' && (find(l, id)?.lastSeq ?? 0) > 0, 'the turn done')
    const lastEventAt = find(done, id)?.lastEventAt
    assert.ok(lastEventAt && !Number.isNaN(Date.parse(lastEventAt)), 'when its log last grew')
    probe.close()
    await ann.until((l) => find(l, id)?.clients === 0 && find(l, id)?.state === 'idle', 'the client gone')
    // Counted before the delete: the list without it may come before the delete's answer does.
    const before = ann.lists.length
    assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${id}`)).status, 200)
    await ann.until((l) => ann.lists.indexOf(l) >= before && !ids(l).includes(id), 'the session gone')
  })

  it('ends the stream of a token that is revoked', async () => {
    const made = await as(stack, 'root', 'POST', '/tokens', { label: 'short-lived', role: 'member' })
    const live = await open({ token: made.body['secret'] })
    await live.until(() => true, 'a first list')
    assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${made.body['token'].id}`)).status, 200)
    await live.closedByServer()
    assert.equal(live.ended, true)
  })

  it('answers once=1 with one list and ends', async () => {
    const answer = await as(stack, 'vic', 'GET', '/sessions-live?once=1')
    assert.equal(answer.status, 200)
    const lines = answer.text.trim().split('\n')
    assert.equal(lines.length, 1)
    assert.equal(SessionsLiveLineSchema.parse(JSON.parse(lines[0]!)).type, 'sessions')
  })

  it('buffers no list for a client that stops reading, and sends it the newest once it reads again', async () => {
    // Big lists (each session's config holds a 50 kB prompt), so that the lines of 40 changes
    // are far more than the kernel's socket buffers hold.
    const prompt = 'p'.repeat(50_000)
    for (let i = 0; i < 30; i++)
      assert.equal((await as(stack, 'root', 'POST', '/sessions', { config: { systemPrompt: prompt } })).status, 201)
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.write(`GET /sessions-live HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${PRINCIPALS.root.token}\r\n\r\n`)
    const text = () => Buffer.concat(chunks).toString('utf8')
    while (!text().includes('\n{')) await sleep(20)
    socket.pause()
    let newest = ''
    for (let i = 0; i < 40; i++) {
      newest = (await as(stack, 'root', 'POST', '/sessions', {})).body['session'].id as string
      await sleep(130) // one line each (changes 100 ms apart are one)
    }
    socket.resume()
    const deadline = Date.now() + 30_000
    while (!text().includes(`"id":"${newest}"`) && Date.now() < deadline) await sleep(50)
    socket.destroy()
    assert.ok(text().includes(`"id":"${newest}"`), 'the newest list arrives once the client reads')
    const lines = text()
      .split('\n')
      .filter((l) => l.startsWith('{"type":"sessions"')).length
    assert.ok(lines < 20, `${lines} lists were kept for a client that read none of them`)
  })
})
