// Many tenants on one server at once, driven by a seeded random source (CHAOS_SEED replays a
// run; the seed is printed on failure): two members and an admin create and delete sessions
// (also mid-turn), prompt, answer and ignore approvals, interrupt, reconnect at random cursors,
// write and read files and run commands, while a viewer reads and each member keeps trying the
// other's sessions. Checked throughout: no answer is a 5xx other than AGENT_CAPACITY's 503, no
// error says INTERNAL, nobody reaches another member's session, a viewer changes nothing.
// Checked at the end: every session settles (no turn left running), its log is 1..lastSeq with
// no gap, and the server still answers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { slowReply } from '../helpers/server-processes.js'
import { say, type Stack } from '../helpers/stack.js'
import { WsProbe, type Frame } from '../helpers/ws-probe.js'
import { PRINCIPALS, as, startTenancyStack, type Answer, type Who } from '../helpers/principals.js'
import { chaosSeed, seededRandom } from '../helpers/seeded-random.js'

const SEED = chaosSeed()
const OPS_PER_MEMBER = 45
const MAX_SESSIONS_EACH = 3

const scenario = {
  scripts: [
    say('talk', 'Talking'),
    { match: { prompt: 'slow' }, replies: [slowReply('slow '.repeat(60), 20)] },
    {
      match: { prompt: 'tool' },
      replies: [
        { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: 'echo ran >> ran.txt' } }] },
        { content: [{ type: 'text' as const, text: 'Ran: {{toolResult}}' }] },
      ],
    },
  ],
}

interface Seen {
  problems: string[]
  /** What the run did, so that it cannot pass by doing nothing. */
  counts: Record<'prompts' | 'results' | 'approvals' | 'deletedBusy', number>
}

const stateOf = (info: Answer) => (info.body['session'] as { state: string }).state

/** A request's answer must never be a server fault. */
function checkAnswer(seen: Seen, label: string, answer: Answer): Answer {
  const code = answer.body['code']
  if (code === 'INTERNAL' || (answer.status >= 500 && code !== 'AGENT_CAPACITY'))
    seen.problems.push(`${label}: ${answer.status} ${answer.text.slice(0, 300)}`)
  return answer
}

function checkFrames(seen: Seen, label: string, frames: Frame[]): void {
  for (const f of frames)
    if (f.type === 'error' && f['code'] === 'INTERNAL') seen.problems.push(`${label}: ${JSON.stringify(f).slice(0, 300)}`)
}

describe(`many tenants at once (seed ${SEED})`, () => {
  let stack: Stack
  const seen: Seen = { problems: [], counts: { prompts: 0, results: 0, approvals: 0, deletedBusy: 0 } }
  before(async () => {
    stack = await startTenancyStack({ scenario, settings: { maxRunningAgents: 4, permissionTimeoutMs: 5_000 } })
  })
  after(async () => {
    await stack.close()
  })

  /** One member's moves; `other` is whose sessions it keeps trying to reach. */
  async function member(who: Who, other: Who, rand: () => number): Promise<string[]> {
    const mine: string[] = []
    const sockets = new Map<string, WsProbe>()
    const everyProbe: WsProbe[] = []
    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(rand() * list.length)]
    const ask = async (method: string, path: string, body?: unknown) =>
      checkAnswer(seen, `${who} ${method} ${path}`, await as(stack, who, method, path, body))
    let made = 0
    for (let op = 0; op < OPS_PER_MEMBER; op++) {
      const id = pick(mine)
      const move = rand()
      if (move < 0.12 || mine.length === 0) {
        if (mine.length >= MAX_SESSIONS_EACH) continue
        const created = await ask('POST', '/sessions', { id: `${who}-${made++}` })
        if (created.status === 201) mine.push((created.body['session'] as { id: string }).id)
      } else if (move < 0.3 && id) {
        let probe = sockets.get(id)
        if (!probe || probe.closed) {
          const info = await ask('GET', `/sessions/${id}`)
          if (info.status !== 200) continue
          const cursor = Math.floor(rand() * ((info.body['session'] as { lastSeq: number }).lastSeq + 1))
          probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws?after=${cursor}`, {
            headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
          }).catch(() => undefined)
          if (!probe) continue
          sockets.set(id, probe)
          everyProbe.push(probe)
        }
        probe.send({ type: 'user_message', data: { type: 'user', message: { role: 'user', content: pick(['talk', 'slow', 'tool'])! } } })
        seen.counts.prompts++
      } else if (move < 0.4 && id) {
        // Answer whatever approval is open, allow or deny, or leave it to time out.
        const probe = sockets.get(id)
        const open = probe?.frames.filter((f) => f.type === 'permission_request').at(-1)
        if (probe && !probe.closed && open && rand() < 0.8) {
          probe.send({ type: 'permission_response', requestId: open['requestId'], decision: rand() < 0.5 ? 'allow' : 'deny' })
        }
      } else if (move < 0.47 && id) {
        const probe = sockets.get(id)
        if (probe && !probe.closed) probe.send({ type: 'interrupt' })
      } else if (move < 0.53 && id) {
        sockets.get(id)?.close()
        sockets.delete(id)
      } else if (move < 0.6 && id) {
        // Deleted whatever it is doing, a turn or an approval included.
        const state = await ask('GET', `/sessions/${id}`)
        const deleted = await ask('DELETE', `/sessions/${id}`)
        if (deleted.status === 200 && state.status === 200 && stateOf(state) !== 'idle' && stateOf(state) !== 'suspended')
          seen.counts.deletedBusy++
        if (deleted.status === 200) mine.splice(mine.indexOf(id), 1)
      } else if (move < 0.7 && id) {
        const name = `f${Math.floor(rand() * 3)}.txt`
        await ask('PUT', `/sessions/${id}/files/content?path=${name}`, `${who} ${op}`)
        const read = await ask('GET', `/sessions/${id}/files/content?path=${name}`)
        if (read.status === 200 && !read.text.startsWith(`${who} `)) seen.problems.push(`${who} read ${read.text} from its own ${id}`)
      } else if (move < 0.76 && id) {
        await ask('POST', `/sessions/${id}/exec`, { command: 'echo', args: [who] })
      } else if (move < 0.86) {
        // The other member's sessions, by the ids it uses: never there for us.
        const theirs = `${other}-${Math.floor(rand() * 4)}`
        const path = pick([`/sessions/${theirs}`, `/sessions/${theirs}/events`, `/sessions/${theirs}/files/content?path=f0.txt`])!
        const method = pick(['GET', 'DELETE'])!
        const answer = await ask(method, path)
        if (answer.status < 300) seen.problems.push(`${who} ${method} ${path} answered ${answer.status}`)
        const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${theirs}/ws`, {
          headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
        }).catch(() => undefined)
        if (probe) {
          seen.problems.push(`${who} attached to ${theirs}`)
          probe.close()
        }
      } else {
        const list = await ask('GET', '/sessions')
        const ids = ((list.body['sessions'] as Array<{ id: string }> | undefined) ?? []).map((s) => s.id)
        const foreign = ids.filter((s) => !s.startsWith(`${who}-`))
        if (foreign.length > 0) seen.problems.push(`${who} lists ${foreign.join(', ')}`)
      }
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 300)))
    }
    for (const probe of everyProbe) {
      checkFrames(seen, who, probe.frames)
    }
    for (const probe of sockets.values()) {
      // Open approvals answered, so every turn can end.
      for (const f of probe.frames.filter((f) => f.type === 'permission_request'))
        if (!probe.closed) probe.send({ type: 'permission_response', requestId: f['requestId'], decision: 'deny' })
    }
    await new Promise((r) => setTimeout(r, 200))
    for (const probe of sockets.values()) probe.close()
    return mine
  }

  async function viewer(rand: () => number): Promise<void> {
    for (let op = 0; op < 25; op++) {
      const list = checkAnswer(seen, 'vic GET /sessions', await as(stack, 'vic', 'GET', '/sessions'))
      const ids = ((list.body['sessions'] as Array<{ id: string }> | undefined) ?? []).map((s) => s.id)
      const id = ids[Math.floor(rand() * ids.length)]
      if (id) {
        checkAnswer(seen, `vic GET /sessions/${id}/events`, await as(stack, 'vic', 'GET', `/sessions/${id}/events?after=0&limit=50`))
        for (const [method, path, body] of [
          ['DELETE', `/sessions/${id}`, undefined],
          ['PUT', `/sessions/${id}/files/content?path=v.txt`, 'viewer was here'],
          ['POST', `/sessions/${id}/exec`, { command: 'true' }],
        ] as const) {
          const answer = checkAnswer(seen, `vic ${method} ${path}`, await as(stack, 'vic', method, path, body))
          if (answer.status < 300) seen.problems.push(`viewer ${method} ${path} answered ${answer.status}`)
        }
      }
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 150)))
    }
  }

  it('serves them all, apart, and every session settles with a gap-free log', async () => {
    const rand = seededRandom(SEED)
    const [ann, bob] = await Promise.all([
      member('ann', 'bob', seededRandom(Math.floor(rand() * 2 ** 31))),
      member('bob', 'ann', seededRandom(Math.floor(rand() * 2 ** 31))),
      viewer(seededRandom(Math.floor(rand() * 2 ** 31))),
    ])
    assert.deepEqual(seen.problems, [], `seed ${SEED}`)

    // Every session left settles: no turn running, no approval open (each ends or times out).
    for (const id of [...ann!, ...bob!]) {
      let info: Answer | undefined
      for (let i = 0; i < 300; i++) {
        info = await as(stack, 'root', 'GET', `/sessions/${id}`)
        if (info.status === 200 && !['running', 'waiting_for_approval'].includes(stateOf(info))) break
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.equal(info?.status, 200, `${id} (seed ${SEED})`)
      assert.ok(!['running', 'waiting_for_approval'].includes(stateOf(info)), `${id} settled: ${info.text} (seed ${SEED})`)
      const lastSeq = (info.body['session'] as { lastSeq: number }).lastSeq
      const seqs: number[] = []
      for (let after = 0; after < lastSeq;) {
        const page = await as(stack, 'root', 'GET', `/sessions/${id}/events?after=${after}&limit=1000`)
        const events = page.body['events'] as Array<{ seq: number; type: string; code?: string; data?: { type?: string } }>
        for (const e of events) {
          seqs.push(e.seq)
          if (e.type === 'sdk_message' && e.data?.type === 'result') seen.counts.results++
          if (e.type === 'permission_resolved') seen.counts.approvals++
          if (e.type === 'error' && e.code === 'INTERNAL') assert.fail(`${id} logged INTERNAL (seed ${SEED})`)
        }
        if (events.length === 0) break
        after = events.at(-1)!.seq
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: lastSeq }, (_, i) => i + 1),
        `${id}'s log is 1..${lastSeq} (seed ${SEED})`,
      )
    }
    // It did what it is about: prompts were sent, and turns ran to a result in the sessions left
    // (deletes take theirs away).
    assert.ok(seen.counts.prompts >= 5 && seen.counts.results >= 1, `${JSON.stringify(seen.counts)} (seed ${SEED})`)
    assert.equal((await as(stack, 'root', 'GET', '/health')).status, 200)
    const faults = stack.logLines.filter((l) => l.startsWith('error ') || l.startsWith('fatal '))
    assert.deepEqual(faults, [], `the server logged no error (seed ${SEED})`)
  })
})
