// MAX_RUNNING_AGENTS caps the CLIs running on one server: at the cap the least recently used
// idle one is released (its next prompt resumes the conversation), and a prompt that would
// need one more while all are busy is refused (AGENT_CAPACITY) with nothing recorded.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { sample, scrape } from './helpers/metrics.js'
import { goneWithin } from './helpers/processes.js'
import { lastTurnRequest, say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

/** The sessions whose CLI has a process on this machine (bwrap, launcher and CLI count once). */
function runningCLIs(stack: Stack): Set<string> {
  const marker = `CLAUDE_CONFIG_DIR=${join(stack.settings.dataDir, 'sessions')}/`
  const dirs = new Set<string>()
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
        .split('\0')
        .find((v) => v.startsWith(marker))
      if (entry) dirs.add(entry.slice(marker.length).split('/')[0]!)
    } catch {
      // gone meanwhile
    }
  }
  return dirs
}

const slow = (prompt: string, text: string, delayMs: number) => ({
  match: { prompt },
  replies: [{ delayMs, content: [{ type: 'text' as const, text }] }],
})

async function attach(stack: Stack, id: string): Promise<WsProbe> {
  await api(stack.url, 'POST', '/sessions', { id })
  return WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`)
}

const pidOf = async (stack: Stack, id: string) =>
  (await api(stack.url, 'GET', `/sessions/${id}`)).body['session'].run?.pid as number | undefined

const capacityError = (f: Frame) => f.type === 'error' && f['code'] === 'AGENT_CAPACITY'
const resultOrRefusal = (f: Frame) => capacityError(f) || (f.type === 'sdk_message' && sdkData(f).type === 'result')

describe('MAX_RUNNING_AGENTS releases the least recently used idle CLI', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          say('a: the code is 4711', 'A noted'),
          say('b: hello', 'B here'),
          say('c: hello', 'C here'),
          say('a: what was the code', 'It was 4711'),
        ],
      },
      settings: { maxRunningAgents: 2, prewarm: false },
    })
  })
  after(() => stack.close())

  it('a third session takes the idle CLI of the first, which resumes its conversation later', async () => {
    const [a, b, c] = [await attach(stack, 'cap-a'), await attach(stack, 'cap-b'), await attach(stack, 'cap-c')]
    assert.equal(await a.ask('a: the code is 4711'), 'A noted')
    const pidA = (await pidOf(stack, 'cap-a'))!
    assert.equal(await b.ask('b: hello'), 'B here')
    assert.equal(await c.ask('c: hello'), 'C here')

    // A was used least recently: its CLI went for C's.
    assert.ok(await goneWithin(pidA), "A's CLI process is gone")
    assert.equal(await pidOf(stack, 'cap-a'), undefined)
    assert.deepEqual(runningCLIs(stack), new Set(['cap-b', 'cap-c']))
    assert.ok(stack.logLines.some((l) => l.includes('released the idle CLI of session cap-a')))

    // A's next prompt releases B's (now the least recently used) and resumes A's conversation.
    assert.equal(await a.ask('a: what was the code'), 'It was 4711')
    assert.ok(lastTurnRequest(stack).includes('the code is 4711'), 'the model saw the earlier turn')
    assert.equal(await pidOf(stack, 'cap-b'), undefined)
    const metrics = await scrape(`${stack.url}/metrics`)
    assert.equal(sample(metrics, 'claude_agent_agents_max'), 2)
    assert.equal(sample(metrics, 'claude_agent_agents_running'), 2)
    assert.equal(sample(metrics, 'claude_agent_agent_capacity_releases_total'), 2)
    for (const probe of [a, b, c]) probe.close()
  })
})

describe('MAX_RUNNING_AGENTS with every CLI busy', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: { scripts: [slow('long one', 'done at last', 3000), say('second', 'second answered'), say('retry', 'retried')] },
      settings: { maxRunningAgents: 1 },
    })
  })
  after(() => stack.close())

  it('refuses a prompt that needs another CLI, and takes its retry once the turn has ended', async () => {
    const [a, b] = [await attach(stack, 'busy-a'), await attach(stack, 'busy-b')]
    const fromA = a.frames.length
    a.prompt('long one')
    await a.next((f) => f.type === 'session_state' && f['state'] === 'running', { from: fromA })

    const fromB = b.frames.length
    b.send({ type: 'user_message', data: { type: 'user', session_id: 'x', uuid: 'b-1', message: { role: 'user', content: 'second' } } })
    const refused = await b.next(resultOrRefusal, { from: fromB })
    assert.equal(refused['code'], 'AGENT_CAPACITY')
    assert.match(String(refused['error']), /limit of 1 running agents/)
    assert.deepEqual(refused['data'], { limit: 1, running: 1, uuid: 'b-1' })
    const info = (await api(stack.url, 'GET', '/sessions/busy-b')).body['session']
    assert.notEqual(info.state, 'running')
    assert.equal(info.run, null)

    assert.equal(sdkData(await a.result(fromA))['result'], 'done at last')
    // The same uuid again: nothing was recorded, so it runs now (on A's released CLI's place).
    const retry = b.frames.length
    b.send({ type: 'user_message', data: { type: 'user', session_id: 'x', uuid: 'b-1', message: { role: 'user', content: 'retry' } } })
    const answer = sdkData(await b.result(retry))
    assert.equal(answer['result'], 'retried')
    for (const probe of [a, b]) probe.close()
  })
})

describe('MAX_RUNNING_AGENTS under concurrent prompts', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: { scripts: [0, 1, 2, 3, 4].map((i) => slow(`p${i}`, `a${i}`, 2000)) },
      settings: { maxRunningAgents: 2, prewarm: false },
    })
  })
  after(() => stack.close())

  it('never runs more CLIs than the cap', async () => {
    const probes = await Promise.all([0, 1, 2, 3, 4].map((i) => attach(stack, `many-${i}`)))
    let most = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, runningCLIs(stack).size)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    const outcomes = await Promise.all(
      probes.map(async (probe, i) => {
        const from = probe.frames.length
        probe.prompt(`p${i}`)
        return probe.next(resultOrRefusal, { from, timeoutMs: 60_000 })
      }),
    )
    sampling = false
    await sampler
    const answered = outcomes.filter((f) => !capacityError(f))
    assert.equal(answered.length, 2, 'two prompts ran')
    assert.equal(outcomes.filter(capacityError).length, 3, 'three were refused')
    assert.ok(most <= 2, `at most 2 CLIs ran at once (saw ${most})`)
    for (const probe of probes) probe.close()
  })
})

describe('MAX_RUNNING_AGENTS counts the warm pool', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: { scripts: [say('pool: hello', 'pool answered'), say('pool: again', 'again answered')] },
      settings: { maxRunningAgents: 1, warmPoolSize: 1, prewarm: false },
    })
    await stack.server.sessions.pool!.whenFull()
  })
  after(() => stack.close())

  it("releases the pool's CLI first and refills it only once there is room", async () => {
    const pool = stack.server.sessions.pool!
    const [pooledPid] = pool.pids
    assert.ok(pooledPid, 'the pool holds a CLI')
    // An id of its own: it does not take the pooled CLI, it needs another.
    const probe = await attach(stack, 'beside-pool')
    assert.equal(await probe.ask('pool: hello'), 'pool answered')
    assert.equal(pool.size, 0, 'the pooled CLI went')
    assert.ok(await goneWithin(pooledPid), 'its process is gone')
    assert.ok(stack.logLines.some((l) => l.includes('released a warm-pool CLI for session beside-pool')))
    // The session's CLI is the one running: the pool waits, as at the cap it would take its place.
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(pool.size, 0, 'no refill at the cap')
    assert.deepEqual(runningCLIs(stack), new Set(['beside-pool']))
    assert.equal(await probe.ask('pool: again'), 'again answered')
    probe.close()
  })
})

describe('MAX_RUNNING_AGENTS while releases are in progress', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [say('r0', 'answer 0'), say('r1', 'answer 1'), ...[2, 3, 4, 5].map((i) => slow(`r${i}`, `answer ${i}`, 1500))],
      },
      settings: { maxRunningAgents: 2, prewarm: false },
    })
  })
  after(() => stack.close())

  it('starts no CLI before the one released for it has exited, and a refused prompt records nothing', async () => {
    const probes = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => attach(stack, `rel-${i}`)))
    // Two idle CLIs at the cap; four prompts at once: two release them, two find every CLI busy.
    for (const i of [0, 1]) assert.equal(await probes[i]!.ask(`r${i}`), `answer ${i}`)
    let most = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, runningCLIs(stack).size)
        await new Promise((r) => setImmediate(r))
      }
    })()
    const send = (i: number) => {
      const probe = probes[i]!
      const from = probe.frames.length
      const message = { role: 'user', content: `r${i}` }
      probe.send({ type: 'user_message', data: { type: 'user', session_id: 'x', uuid: `rel-${i}-1`, message } })
      return probe.next(resultOrRefusal, { from, timeoutMs: 60_000 })
    }
    const outcomes = await Promise.all([2, 3, 4, 5].map(send))
    const refused = [2, 3, 4, 5].filter((_, k) => capacityError(outcomes[k]!))
    assert.equal(refused.length, 2, 'two prompts were refused')
    assert.ok(most <= 2, `at most 2 CLIs ran at once (saw ${most})`)
    // The same uuids again: nothing was recorded, so they run now (no DUPLICATE_PROMPT).
    const again = await Promise.all(refused.map(send))
    sampling = false
    await sampler
    assert.deepEqual(
      again.map((f) => sdkData(f)['result']),
      refused.map((i) => `answer ${i}`),
    )
    assert.ok(most <= 2, `at most 2 CLIs ran at once (saw ${most})`)
    for (const probe of probes) probe.close()
  })
})
