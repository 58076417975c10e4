// Chaos against a real server process, driven by a seeded random source (CHAOS_SEED replays a
// run; the seed is printed): clients attach with random cursors, send prompts with uuids and
// drop at random moments, and the server is SIGKILLed mid-turn a bounded number of times and
// started again on the same data dir. Checked throughout: every connection receives the log
// gap-free from its cursor, each event once; the whole log stays 1..N; a prompt uuid resent
// after a restart is refused (DUPLICATE_PROMPT) and never runs a second time.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { ServerProcesses, slowReply } from './helpers/server-processes.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'
import { chaosSeed, seededRandom } from './helpers/seeded-random.js'

const SEED = chaosSeed()
const RESTARTS = 3
const SESSION = 'chaos'

const seqs = (probe: WsProbe) => probe.frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq'] as number)

/** A connection's events are exactly after+1, after+2, ...: no gap, no repeat, in order. */
function assertGapFree(probe: WsProbe, after: number, label: string): void {
  const got = seqs(probe)
  assert.deepEqual(
    got,
    Array.from({ length: got.length }, (_, i) => after + i + 1),
    `${label} (seed ${SEED})`,
  )
}

const promptFrame = (uuid: string, content: string) => ({
  type: 'user_message',
  data: { type: 'user', uuid, message: { role: 'user', content } },
})
const isResult = (f: Frame) => f.type === 'sdk_message' && sdkData(f).type === 'result'

describe(`chaos: client drops and SIGKILL restarts (seed ${SEED})`, () => {
  let servers: ServerProcesses
  const probes: WsProbe[] = []

  before(async () => {
    servers = await ServerProcesses.start('chaos', {
      scripts: [{ match: { prompt: /^slow/ }, repeat: true, replies: [slowReply('slow '.repeat(150), 30)] }],
      fallback: { content: [{ type: 'text', text: 'You said: {{prompt}}' }] },
    })
  })
  after(async () => {
    for (const p of probes) p.socket.terminate()
    await servers?.stop()
  })

  it('keeps every log gap-free and runs every prompt uuid at most once', async () => {
    const rand = seededRandom(SEED)
    const ran: string[] = [] // uuids whose turn completed before a kill
    const { model } = servers
    let server = await servers.spawn()
    await api(server.url, 'POST', '/sessions', { id: SESSION })
    const connect = async (after: number) => {
      const probe = await WsProbe.connect(`${server.wsBase}/sessions/${SESSION}/ws?after=${after}`)
      probes.push(probe)
      return probe
    }
    const lastSeq = async () => (await api(server.url, 'GET', `/sessions/${SESSION}`)).body['session'].lastSeq as number

    for (let round = 0; round <= RESTARTS; round++) {
      // Every uuid that ran before a restart is refused once resent, on a fresh connection.
      const resender = await connect(await lastSeq())
      for (const uuid of ran) {
        const from = resender.frames.length
        resender.send(promptFrame(uuid, `resent ${uuid}`))
        const refused = await resender.next((f) => f.type === 'error' && (f['data'] as { uuid?: string } | undefined)?.uuid === uuid, {
          from,
        })
        assert.equal(refused['code'], 'DUPLICATE_PROMPT', `seed ${SEED}`)
      }
      resender.close()

      // A few clients with random cursors; some drop mid-turn and come back where they left off.
      const top = await lastSeq()
      const clients = await Promise.all(
        [0, 1, 2].map(async () => {
          const after = Math.floor(rand() * (top + 1))
          return { probe: await connect(after), after }
        }),
      )
      const quick = `0a0b0c0d-0000-4000-8000-${String(round).padStart(4, '0')}00000001`
      const { probe: driver } = clients[0]!
      const mark = driver.frames.length
      driver.send(promptFrame(quick, `quick ${round}`))
      for (const client of clients.slice(1)) {
        if (rand() < 0.5) continue
        // Drop after a random few events (it attached before the prompt, so they come).
        const k = 1 + Math.floor(rand() * 4)
        await client.probe.next(() => seqs(client.probe).length >= k)
        assertGapFree(client.probe, client.after, 'before a drop')
        const seen = seqs(client.probe).at(-1) ?? client.after
        client.probe.socket.terminate()
        Object.assign(client, { probe: await connect(seen), after: seen })
      }
      // The driver may still be replaying older turns' results (it attached at a random cursor):
      // this turn's result is the first one above the log's top before the prompt.
      const quickResult = await driver.next((f) => isResult(f) && (f['seq'] as number) > top, { from: mark })
      ran.push(quick)

      if (round === RESTARTS) {
        const final = await lastSeq()
        for (const client of clients) {
          await client.probe.next((f) => f['seq'] === final)
          assertGapFree(client.probe, client.after, 'a client at the end')
        }
        break
      }
      // Start a slow turn and SIGKILL the server at a random moment while it streams.
      const slowFrom = driver.frames.length
      const requests = model.requests.length
      driver.send(promptFrame(`0a0b0c0d-0000-4000-8000-${String(round).padStart(4, '0')}00000002`, `slow ${round}`))
      while (model.requests.length === requests) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 1_000)))
      server.child.kill('SIGKILL')
      assert.equal(await server.exited, 'SIGKILL')
      for (const client of clients) assertGapFree(client.probe, client.after, 'a client cut by the kill')
      const slowEnded = driver.frames.slice(slowFrom).some((f) => isResult(f) && (f['seq'] as number) > (quickResult['seq'] as number))
      if (slowEnded) ran.push(`0a0b0c0d-0000-4000-8000-${String(round).padStart(4, '0')}00000002`)
      server = await servers.spawn()
    }

    // The whole log: 1..N, and no prompt ran twice (each run is echoed once by the CLI).
    const events = (await api(server.url, 'GET', `/sessions/${SESSION}/events?limit=10000`)).body['events'] as Array<{
      seq: number
      data?: { type: string; uuid?: string; isReplay?: boolean }
    }>
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: events.length }, (_, i) => i + 1),
      `seed ${SEED}`,
    )
    const echoes = events.filter((e) => e.data?.type === 'user' && e.data.isReplay).map((e) => e.data!.uuid)
    assert.deepEqual(echoes, [...new Set(echoes)], `a prompt ran twice (seed ${SEED})`)
    for (const uuid of ran) assert.ok(echoes.includes(uuid), `${uuid} ran (seed ${SEED})`)
    server.child.kill('SIGTERM')
  })
})
