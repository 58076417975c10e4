// Webhooks end to end: the real server, CLI and sandbox against the scripted model, hooks
// pointing at a receiver on loopback that verifies each signature. Every event type arrives
// signed and without the tool's input; a delivery that fails (500, then no answer past the
// timeout) is retried until it lands, each try recorded; a receiver that hangs or is down
// never holds up a turn.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ErrorCode } from '@claude-agent/protocol'
import { api } from './helpers/http.js'
import { freePort } from './helpers/ports.js'
import { TEST_API_KEY, say, startStack, type Stack } from './helpers/stack.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'
import { WEBHOOK_EVENTS, type WebhookSettings } from '../src/index.js'

const SECRET = 'whsec-test-0123456789abcdef'
const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
const done = { content: [{ type: 'text' as const, text: 'Done: {{toolResult}}' }] }
const scenario = {
  scripts: [
    { match: { prompt: 'use a tool' }, replies: [bash('echo secret-arg > tool-output.txt'), done] },
    { match: { prompt: 'fail please' }, replies: [{ error: { status: 500, type: 'api_error', message: 'boom' } }] },
    say('just talk', 'Talking'),
  ],
}

const settings = (hooks: WebhookSettings['hooks'], overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({
  hooks,
  maxAttempts: 5,
  retryBaseMs: 20,
  retryMaxMs: 2000,
  timeoutMs: 500,
  maxPending: 1000,
  ...overrides,
})

/** Waits (60 s at most) until `check` holds, looking again every 20 ms. */
async function until<T>(read: () => T | false | undefined | Promise<T | false | undefined>): Promise<T> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const value = await read()
    if (value) return value
  }
  throw new Error('timed out waiting')
}

async function namedSession(stack: Stack, id: string): Promise<WsProbe> {
  await api(stack.url, 'POST', '/sessions', { id })
  return WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`)
}

describe('webhooks', () => {
  let receiver: Receiver
  let stack: Stack

  before(async () => {
    // /all answers at once; /flaky fails its first tries: a 500, then no answer, then 200.
    receiver = await startReceiver(SECRET, (a) => (a.path === '/flaky' ? (([500, 'hang'] as const)[a.attempt - 1] ?? 200) : 200))
    stack = await startStack({
      scenario,
      settings: {
        webhooks: settings([
          { id: 'all', url: `${receiver.url}/all`, secret: SECRET, events: [...WEBHOOK_EVENTS] },
          { id: 'flaky', url: `${receiver.url}/flaky`, secret: SECRET, events: ['session.error'] },
        ]),
      },
    })
  })
  after(async () => {
    await stack.close()
    await receiver.close()
  })

  it('sends a turn completed and a permission requested, signed, without the tool input', async () => {
    const probe = await namedSession(stack, 'hooked')
    probe.prompt('use a tool')
    const request = await probe.next((f) => f.type === 'permission_request')
    const asked = await receiver.next((a) => a.path === '/all' && a.event === 'permission.requested')
    assert.deepEqual(asked.check.valid, true)
    assert.deepEqual(asked.json, {
      type: 'permission.requested',
      sessionId: 'hooked',
      seq: request['seq'],
      at: asked.json.at,
      data: { requestId: request['requestId'], toolName: 'Bash', toolUseId: request['toolUseId'] },
    })
    assert.ok(!asked.body.includes('secret-arg'), 'the tool input stays behind the API')
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
    const result = sdkData(await probe.result())
    const completed = await receiver.next((a) => a.path === '/all' && a.event === 'turn.completed' && a.json.sessionId === 'hooked')
    assert.equal(completed.check.valid, true)
    assert.equal(completed.json.data['subtype'], 'success')
    assert.equal(completed.json.data['isError'], false)
    assert.equal(completed.json.data['durationMs'], result['duration_ms'])
    assert.equal(completed.json.data['totalCostUsd'], result['total_cost_usd'])
    assert.deepEqual(completed.json.data['usage'], result['usage'])
    assert.equal('result' in completed.json.data, false, "the agent's answer is not sent")
    assert.ok(completed.delivery.startsWith('wh_') && completed.delivery !== asked.delivery)
    probe.close()
  })

  it('sends a session error, retried after a 500 and a hang until it lands, each try recorded', async () => {
    const probe = await namedSession(stack, 'failing')
    probe.prompt('fail please')
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'TURN_FAILED')
    const toAll = await receiver.next((a) => a.path === '/all' && a.event === 'session.error')
    assert.deepEqual(toAll.json.data, { code: 'TURN_FAILED', message: error['error'] })
    const landed = await receiver.next((a) => a.path === '/flaky' && a.answer === 200)
    const tries = receiver.arrivals.filter((a) => a.delivery === landed.delivery)
    assert.deepEqual(
      tries.map((a) => [a.attempt, a.answer, a.check.valid]),
      [
        [1, 500, true],
        [2, 'hang', true],
        [3, 200, true],
      ],
    )
    assert.equal(new Set(tries.map((a) => a.body)).size, 1, 'the same body on every try')
    // Recorded once the server has read the answer.
    const recorded = await until(
      async () => (await stack.server.webhooks.deliveries()).find((d) => d.id === landed.delivery && d.status !== 'pending') ?? false,
    )
    assert.equal(recorded.status, 'delivered')
    assert.deepEqual(
      recorded.attemptLog.map((a) => [a.attempt, a.statusCode, a.error]),
      [
        [1, 500, 'HTTP 500'],
        [2, null, 'no answer within 500 ms'],
        [3, 200, null],
      ],
    )
    const [first, second, third] = recorded.attemptLog
    assert.ok(first!.retryAt! < second!.retryAt!, 'the waits grow')
    assert.ok(second!.at >= first!.retryAt! && third!.at >= second!.retryAt!, 'no try before its time')
    assert.equal(third!.retryAt, null)
    probe.close()
  })

  it('sends a budget reached for a BUDGET_EXCEEDED error, and no session error with it', async () => {
    const probe = await namedSession(stack, 'budgeted')
    // What the budget check reports when a session's budget runs out.
    stack.server.sessions
      .get('budgeted')
      .emit({ type: 'error', code: 'BUDGET_EXCEEDED' as ErrorCode, error: 'Budget of $1.00 reached', data: { limitUsd: 1 } })
    const reached = await receiver.next((a) => a.event === 'budget.reached')
    assert.equal(reached.check.valid, true)
    assert.deepEqual(reached.json.data, { code: 'BUDGET_EXCEEDED', message: 'Budget of $1.00 reached', data: { limitUsd: 1 } })
    probe.prompt('just talk')
    await probe.result()
    await receiver.next((a) => a.event === 'turn.completed' && a.json.sessionId === 'budgeted')
    assert.equal(
      receiver.arrivals.some((a) => a.event === 'session.error' && a.json.sessionId === 'budgeted'),
      false,
    )
    probe.close()
  })

  it('lists hooks without their secrets, and no body or log line holds a secret', async () => {
    const listed = await api(stack.url, 'GET', '/webhooks?limit=1000')
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body['hooks'][1], { id: 'flaky', url: `${receiver.url}/flaky`, events: ['session.error'] })
    const flaky = (listed.body['deliveries'] as Array<Record<string, any>>).find((d) => d['hook'] === 'flaky')!
    assert.deepEqual(
      flaky['attemptLog'].map((a: Record<string, unknown>) => a['statusCode']),
      [500, null, 200],
    )
    assert.equal(typeof flaky['createdAt'], 'string')
    assert.ok(!JSON.stringify(listed.body).includes(SECRET))
    assert.equal((await api(stack.url, 'GET', '/webhooks?limit=0')).body['code'], 'INVALID_REQUEST')
    assert.deepEqual(
      stack.server.webhooks.hooks().map((h) => h.id),
      ['all', 'flaky'],
    )
    assert.ok(!JSON.stringify(stack.server.webhooks.hooks()).includes(SECRET))
    assert.ok(!JSON.stringify(stack.server.webhooks.deliveries()).includes(SECRET))
    for (const a of receiver.arrivals) assert.ok(!a.body.includes(TEST_API_KEY) && !a.body.includes(SECRET))
    assert.ok(!stack.logLines.some((l) => l.includes(SECRET)))
  })
})

describe('webhooks: a receiver that hangs or is down', () => {
  it('never holds up a turn', async () => {
    const receiver = await startReceiver(SECRET, () => 'hang')
    const down = `http://127.0.0.1:${await freePort()}/down`
    const stack = await startStack({
      scenario,
      settings: {
        webhooks: settings(
          [
            { id: 'hangs', url: `${receiver.url}/hangs`, secret: SECRET, events: [...WEBHOOK_EVENTS] },
            { id: 'down', url: down, secret: SECRET, events: ['budget.reached'] },
          ],
          // Longer than the whole test: the hanging request stays open throughout.
          { timeoutMs: 600_000 },
        ),
      },
    })
    try {
      const probe = await namedSession(stack, 'unhindered')
      probe.prompt('use a tool')
      const request = await probe.next((f) => f.type === 'permission_request')
      await receiver.next((a) => a.event === 'permission.requested')
      assert.equal(receiver.hanging.length, 1, 'the receiver holds the delivery open')
      probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
      await probe.result()
      const from = probe.frames.length
      probe.prompt('just talk')
      assert.equal(sdkData(await probe.result(from))['result'], 'Talking')
      assert.ok(receiver.hanging.length >= 1 && !receiver.hanging.some((r) => r.writableEnded), 'still unanswered when the turns ended')
      // Four more for the hanging hook: all its tries in flight are taken, and still the down
      // hook is tried (each hook has its own).
      const session = stack.server.sessions.get('unhindered')
      for (let i = 0; i < 4; i++) session.emit({ type: 'error', code: 'TURN_FAILED', error: `error ${i}` })
      await until(() => receiver.hanging.length >= 4)
      session.emit({ type: 'error', code: 'BUDGET_EXCEEDED' as ErrorCode, error: 'Budget reached' })
      const tried = await until(async () => (await stack.server.webhooks.deliveries()).find((d) => d.hook === 'down' && d.attempts > 0))
      assert.equal(tried.event, 'budget.reached')
      assert.match(tried.lastError ?? '', /ECONNREFUSED/)
      probe.close()
    } finally {
      // Closing with a delivery in flight: it is abandoned, not recorded as tried.
      await stack.close()
      await receiver.close()
    }
  })
})
