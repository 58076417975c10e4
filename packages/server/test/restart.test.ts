// The server process is SIGKILLed mid-turn and started again on the same data directory:
// every session and its history are still there, the cut turn is recorded as interrupted, a
// reconnecting client catches up, and the next prompt continues the same conversation.
// SIGTERM shuts down gracefully: the running turn finishes and the process exits 0.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { agentProcesses } from './helpers/processes.js'
import { REMEMBER_ADA, ServerProcesses, slowReply } from './helpers/server-processes.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('restart without loss', () => {
  let servers: ServerProcesses

  before(async () => {
    const scripts = [...REMEMBER_ADA, { match: { prompt: 'finish me' }, replies: [slowReply('done '.repeat(20))] }]
    servers = await ServerProcesses.start('restart', { scripts }, { SHUTDOWN_GRACE_MS: '20000' })
  })
  after(() => servers?.stop())

  it('keeps sessions and history across SIGKILL, and resumes the conversation', async () => {
    const { model } = servers
    const first = await servers.spawn()
    await api(first.url, 'POST', '/sessions', { id: 'durable' })
    const probe = await WsProbe.connect(`${first.wsBase}/sessions/durable/ws`)
    probe.prompt('my name is Ada')
    await probe.result()
    const requests = model.requests.length
    probe.prompt('long task')
    while (model.requests.length === requests) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 200))
    const seenBeforeKill = probe.frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq'] as number)
    first.child.kill('SIGKILL')
    assert.equal(await first.exited, 'SIGKILL')

    const second = await servers.spawn()
    // No agent of the killed server is left: sandboxed, bwrap's --die-with-parent ended it with
    // the server; anything that outlived it was killed on start-up (test/orphans.test.ts).
    assert.deepEqual(agentProcesses(join(servers.dataDir, 'sessions')), [])
    const info = (await api(second.url, 'GET', '/sessions/durable')).body['session']
    assert.equal(info.state, 'suspended')
    const history = (await api(second.url, 'GET', '/sessions/durable/events')).body
    const events = history['events'] as Array<{ seq: number; type: string; code?: string; data?: { type: string; result?: string } }>
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: events.length }, (_, i) => i + 1),
    )
    assert.ok(
      seenBeforeKill.every((seq) => events.some((e) => e.seq === seq)),
      'everything a client saw was logged',
    )
    assert.ok(
      events.some((e) => e.data?.type === 'result' && e.data.result === 'Hello Ada'),
      'the first turn is in history',
    )
    assert.ok(
      events.some((e) => e.type === 'error' && e.code === 'INTERRUPTED_BY_RESTART'),
      'the cut turn is recorded',
    )

    const lastSeen = seenBeforeKill.at(-1)!
    const again = await WsProbe.connect(`${second.wsBase}/sessions/durable/ws?after=${lastSeen}`)
    await again.next((f) => f['seq'] === history['lastSeq'])
    // The replay covers exactly what was missed; live events (e.g. the pre-warmed CLI's state) follow.
    const missed = (history['lastSeq'] as number) - lastSeen
    const caughtUp = again.frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq'])
    assert.deepEqual(
      caughtUp.slice(0, missed),
      Array.from({ length: missed }, (_, i) => lastSeen + i + 1),
    )
    assert.deepEqual(
      caughtUp,
      [...new Set(caughtUp)].sort((x, y) => (x as number) - (y as number)),
      'no duplicates, in order',
    )

    const from = again.frames.length
    again.prompt('what is my name')
    const result = sdkData(await again.result(from))
    assert.equal(result['result'], 'Your name is Ada')
    const turn = model.requests.filter((r) => r.kind === 'turn').at(-1)!
    assert.ok(JSON.stringify(turn.body).includes('my name is Ada'), 'the model saw the earlier turn after the restart')
    const firstResult = events.find((e) => e.data?.type === 'result') as unknown as { data: { session_id: string } }
    assert.equal(result['session_id'], firstResult.data.session_id, 'the same conversation')
    again.close()

    // Graceful: SIGTERM during a turn lets it finish, then the process exits 0.
    const graceful = await WsProbe.connect(`${second.wsBase}/sessions/durable/ws`)
    const turnRequests = model.requests.length
    graceful.prompt('finish me')
    while (model.requests.length === turnRequests) await new Promise((r) => setTimeout(r, 20))
    second.child.kill('SIGTERM')
    const finished = sdkData(await graceful.result())
    assert.equal(finished['is_error'], false, 'the running turn completed during shutdown')
    assert.equal(await second.exited, 0)
  })
})
