// /metrics after real traffic: a scripted turn with a tool and an approval, an approval that
// times out, a slow client cut off, a replay, a stopped agent: each counter moves. /metrics
// sits behind auth, or on its own port when METRICS_PORT asks for one.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { api } from './helpers/http.js'
import { sample, scrape, type Scrape } from './helpers/metrics.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
const done = { content: [{ type: 'text' as const, text: 'Tool said: {{toolResult}}' }] }
const isRequest = (f: Frame) => f.type === 'permission_request'
const isResolved = (f: Frame) => f.type === 'permission_resolved'

describe('GET /metrics after real traffic', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          { match: { prompt: 'approve' }, replies: [bash('echo approved > approved.txt'), done] },
          { match: { prompt: 'expire' }, replies: [bash('echo never > never.txt'), done] },
          { match: { prompt: 'flood' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'x'.repeat(500_000) }] }] },
        ],
      },
      settings: { maxClientBufferBytes: 1024 * 1024, slowClientGraceMs: 1_000, permissionTimeoutMs: 2_000 },
    })
  })
  after(() => stack?.close())

  it('moves every counter', async () => {
    const metrics = () => scrape(`${stack.url}/metrics`)
    const before = await metrics()
    const delta = (now: Scrape, name: string, labels: Record<string, string> = {}) =>
      sample(now, name, labels) - sample(before, name, labels)

    await api(stack.url, 'POST', '/sessions', { id: 'metered' })
    const url = `${stack.url.replace(/^http/, 'ws')}/sessions/metered/ws`
    const probe = await WsProbe.connect(url)
    assert.ok(delta(await metrics(), 'claude_agent_clients_attached') >= 1, 'an attached client')

    // A tool call approved by the client.
    probe.prompt('approve')
    const request = await probe.next(isRequest)
    const waiting = await metrics()
    assert.equal(sample(waiting, 'claude_agent_permission_requests_pending'), 1)
    assert.equal(sample(waiting, 'claude_agent_sessions', { state: 'waiting_for_approval' }), 1)
    assert.equal(sample(waiting, 'claude_agent_turns_running'), 1)
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
    assert.equal(sdkData(await probe.result())['is_error'], false)

    // One nobody answers: denied at the timeout.
    let from = probe.frames.length
    probe.prompt('expire')
    const expired = await probe.next((f) => isResolved(f) && f['reason'] === 'timeout', { from })
    assert.equal(expired['decision'], 'deny')
    await probe.result(from)

    // A client that stops reading is cut off.
    const stalled = new WebSocket(url)
    await new Promise((resolve) => stalled.once('open', resolve))
    ;(stalled as unknown as { _socket: import('node:net').Socket })._socket.pause()
    for (let turn = 0; turn < 40; turn++) {
      from = probe.frames.length
      probe.prompt('flood')
      await probe.result(from)
      if ((await api(stack.url, 'GET', '/sessions/metered')).body['session'].clients === 1) break
    }
    stalled.terminate()

    // A late client replays the history.
    const lastSeq = (await api(stack.url, 'GET', '/sessions/metered')).body['session'].lastSeq as number
    const replayed = await WsProbe.connect(`${url}?after=0`)
    await replayed.next((f) => f['seq'] === lastSeq)
    replayed.close()
    probe.close()
    // Deleting the session stops its agent.
    assert.equal((await api(stack.url, 'DELETE', '/sessions/metered')).status, 200)

    const now = await metrics()
    const moved = (name: string, labels: Record<string, string> = {}, atLeast = 1) =>
      assert.ok(delta(now, name, labels) >= atLeast, `${name}${JSON.stringify(labels)} moved by ${delta(now, name, labels)}`)
    moved('claude_agent_events_appended_total', {}, lastSeq)
    moved('claude_agent_events_replayed_total', {}, lastSeq)
    moved('claude_agent_slow_consumer_cutoffs_total')
    moved('claude_agent_agent_starts_total', { conversation: 'new' })
    moved('claude_agent_agent_exits_total', { reason: 'stopped' })
    moved('claude_agent_agent_cold_start_seconds_count')
    moved('claude_agent_turn_duration_seconds_count', { outcome: 'result' }, 3)
    moved('claude_agent_model_requests_total', { status: '200' }, 4)
    moved('claude_agent_turn_tokens_total', { kind: 'output' })
    moved('claude_agent_turn_cost_usd_total')
    moved('claude_agent_permission_requests_total', {}, 2)
    moved('claude_agent_permission_requests_resolved_total', { reason: 'client', decision: 'allow' })
    moved('claude_agent_permission_requests_resolved_total', { reason: 'timeout', decision: 'deny' })
    assert.equal(sample(now, 'claude_agent_permission_requests_pending'), 0)
    assert.equal(sample(now, 'claude_agent_turns_running'), 0)
    assert.equal(sample(now, 'claude_agent_sessions', { state: 'waiting_for_approval' }), 0)
    assert.ok(sample(now, 'process_resident_memory_bytes') > 0, 'the default process metrics too')
  })
})

describe('where /metrics is served', () => {
  let stack: Stack
  const token = 'metrics-test-token-0123456789'
  before(async () => {
    stack = await startStack({ settings: { authTokens: [{ label: 'ops', token }], metricsPort: 0, prewarm: false } })
  })
  after(() => stack?.close())

  it('on METRICS_PORT without auth, and no longer on the API port', async () => {
    const port = stack.server.metricsPort
    assert.equal(typeof port, 'number')
    const scraped = await scrape(`http://127.0.0.1:${port}/metrics`)
    assert.ok(scraped.has('claude_agent_turns_running'))
    const elsewhere = await fetch(`http://127.0.0.1:${port}/sessions`)
    assert.equal(elsewhere.status, 404)
    const api = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(api.status, 404)
  })

  it('behind the bearer token on the API port otherwise', async () => {
    const open = await startStack({ settings: { authTokens: [{ label: 'ops', token }], prewarm: false } })
    try {
      assert.equal((await fetch(`${open.url}/metrics`)).status, 401)
      const scraped = await scrape(`${open.url}/metrics`, { authorization: `Bearer ${token}` })
      assert.ok(scraped.has('claude_agent_turns_running'))
    } finally {
      await open.close()
    }
  })
})
