// Spending caps through the real CLI: the gateway counts each answer's usage, refuses the next
// model request once a budget is reached (the turn ends with BUDGET_EXCEEDED, spent and limit
// in data), raising the budget lets the same session go on, and the totals survive a restart.
// The agent cannot get past it: a request it sends to the gateway itself, forged headers and
// all, is refused the same way.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger, startServer } from '../src/index.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const TOKEN = 'budget-test-token-0123456789abcdef'
// One dollar per million tokens of any kind: costs are the token counts / 1e6.
const FLAT_PRICES = { replace: true, models: {}, fallback: { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 } }

const bash = (command: string, usage: Record<string, number>) => ({
  content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }],
  usage,
})
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

// From inside the sandbox, straight to the gateway with everything a request could forge.
const FORGED =
  `curl -s --noproxy '*' -X POST http://127.0.0.1:7480/v1/messages -H 'content-type: application/json' ` +
  `-H 'x-api-key: sk-forged' -H 'authorization: Bearer forged' -H 'x-claude-code-session-id: other' ` +
  `-H 'x-session-id: other' -H 'x-forwarded-for: 127.0.0.1' ` +
  `-d '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"forged"}]}'`

async function call(stack: { url: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return { status: res.status, body: await res.json() }
}

const isResult = (f: Frame) => f.type === 'sdk_message' && sdkData(f)['type'] === 'result'
const turnRequests = (stack: Stack) => stack.model.requests.filter((r) => r.kind === 'turn' || r.kind === 'fallback')

describe('budgets through the real CLI', () => {
  let stack: Stack
  let pricesDir: string
  before(async () => {
    pricesDir = mkdtempSync(join(tmpdir(), 'cas-prices-'))
    const pricesFile = join(pricesDir, 'prices.json')
    writeFileSync(pricesFile, JSON.stringify(FLAT_PRICES))
    stack = await startStack({
      scenario: {
        scripts: [
          // The refused request consumes no reply: the script's next one answers once the budget is raised.
          { match: { prompt: 'spend' }, replies: [bash('echo one', { input_tokens: 600_000, output_tokens: 1000 }), text('went on')] },
          { match: { prompt: 'go on' }, replies: [text('went on')] },
          { match: { prompt: 'forge' }, replies: [bash(FORGED, { input_tokens: 2_000_000 }), text('never sent')] },
        ],
      },
      settings: { authTokens: [{ label: 'alice', token: TOKEN }], budgets: { pricesFile }, prewarm: false },
    })
  })
  after(async () => {
    await stack.close()
    rmSync(pricesDir, { recursive: true, force: true })
  })

  const open = async (id: string) => {
    const created = await call(stack, 'POST', '/sessions', { id, config: { permissionMode: 'bypassPermissions' } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    return WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws?access_token=${TOKEN}`)
  }

  it('ends the turn with BUDGET_EXCEEDED mid-conversation, and goes on once the budget is raised', async () => {
    const probe = await open('capped')
    const set = await call(stack, 'PUT', '/sessions/capped/budget', { limitUsd: 0.5 })
    assert.deepEqual(set.body, { budget: { limitUsd: 0.5, source: 'own' } })

    probe.prompt('spend')
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'BUDGET_EXCEEDED', probe.summary())
    const data = error['data'] as Record<string, unknown>
    assert.equal(data['scope'], 'session')
    assert.equal(data['id'], 'capped')
    assert.equal(data['limitUsd'], 0.5)
    assert.ok((data['spentUsd'] as number) >= 0.601, JSON.stringify(data))
    assert.match(error['error'] as string, /budget/)
    // The tool ran (its request was under the cap); the request after it never reached the model.
    assert.equal(turnRequests(stack).filter((r) => JSON.stringify(r.body).includes('spend')).length, 1)
    assert.ok(probe.frames.some(isResult), probe.summary())

    const usage = await call(stack, 'GET', '/sessions/capped/usage')
    assert.equal(usage.status, 200)
    assert.equal(usage.body.principal, 'alice')
    assert.ok(usage.body.usage.inputTokens >= 600_000, JSON.stringify(usage.body))
    assert.ok(usage.body.usage.outputTokens >= 1000, JSON.stringify(usage.body))
    assert.deepEqual(usage.body.budget, { limitUsd: 0.5, source: 'own' })

    // The event log has it too, for a client that reads the history later.
    const events = await call(stack, 'GET', '/sessions/capped/events')
    assert.ok(events.body.events.some((e: Frame) => e.type === 'error' && e['code'] === 'BUDGET_EXCEEDED'))

    await call(stack, 'PUT', '/sessions/capped/budget', { limitUsd: 5 })
    const from = probe.frames.length
    probe.prompt('go on')
    const result = await probe.result(from)
    assert.equal(sdkData(result)['is_error'], false, probe.summary())
    assert.equal(sdkData(result)['result'], 'went on')
    assert.ok(!probe.frames.slice(from).some((f) => f.type === 'error'), probe.summary())
    probe.close()
  })

  it('counts the streamed answers: the turn requests the CLI made were streaming', async () => {
    const streamed = turnRequests(stack).filter((r) => (r.body as Record<string, unknown>)['stream'] === true)
    assert.ok(streamed.length > 0, 'the CLI streams its turn requests')
    const usage = await call(stack, 'GET', '/usage?principal=alice')
    const alice = usage.body.principals[0]
    assert.equal(alice.principal, 'alice')
    assert.ok(alice.usage.requests >= 2 && alice.usage.inputTokens >= 600_000, JSON.stringify(alice))
  })

  it('refuses what the agent sends the gateway itself, forged identity headers and all', async () => {
    const probe = await open('forger')
    await call(stack, 'PUT', '/sessions/forger/budget', { limitUsd: 1 })
    const before = stack.model.requests.length
    probe.prompt('forge')
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'BUDGET_EXCEEDED', probe.summary())
    // The curl's answer is the tool's result, which the CLI echoes as a user message.
    const toolResult = probe.frames.find(
      (f) => f.type === 'sdk_message' && sdkData(f)['type'] === 'user' && JSON.stringify(f).includes('tool_result'),
    )
    assert.ok(toolResult, probe.summary())
    assert.match(JSON.stringify(toolResult), /budget_exceeded/)
    const reached = stack.model.requests.slice(before).map((r) => JSON.stringify(r.body))
    assert.ok(!reached.some((b) => b.includes('"forged"')), 'the forged request never reached the model')
    probe.close()
  })

  it("stops every session of a principal over its budget, its deleted sessions' spending included", async () => {
    const spent = (await call(stack, 'GET', '/usage?principal=alice')).body.principals[0].usage.costUsd as number
    assert.equal((await call(stack, 'DELETE', '/sessions/forger')).status, 200)
    const after = (await call(stack, 'GET', '/usage?principal=alice')).body.principals[0]
    assert.equal(after.usage.costUsd, spent, 'deleting a session does not reset its principal')
    assert.deepEqual((await call(stack, 'PUT', '/principals/alice/budget', { limitUsd: spent })).body, {
      budget: { limitUsd: spent, source: 'own' },
    })

    const probe = await open('fresh')
    probe.prompt('go on')
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'BUDGET_EXCEEDED', probe.summary())
    assert.deepEqual(error['data'], { scope: 'principal', id: 'alice', spentUsd: spent, limitUsd: spent })

    await call(stack, 'PUT', '/principals/alice/budget', { limitUsd: null })
    const from = probe.frames.length
    probe.prompt('go on')
    assert.equal(sdkData(await probe.result(from))['result'], 'went on', probe.summary())
    probe.close()
  })

  it('answers bad budget requests with typed errors', async () => {
    const bad: unknown[] = [{ limitUsd: -1 }, { limitUsd: '1' }, {}, { limitUsd: 1, extra: true }, [], '{"limitUsd": 1e400}']
    for (const body of bad) {
      const res = await call(stack, 'PUT', '/sessions/capped/budget', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.code, 'INVALID_REQUEST', JSON.stringify(res.body))
    }
    assert.equal((await call(stack, 'PUT', '/principals/alice/budget', { limitUsd: -0.01 })).body.code, 'INVALID_REQUEST')
    assert.equal((await call(stack, 'GET', '/sessions/nope/usage')).body.code, 'SESSION_NOT_FOUND')
    assert.equal((await call(stack, 'PUT', '/sessions/nope/budget', { limitUsd: 1 })).body.code, 'SESSION_NOT_FOUND')
    assert.equal((await call(stack, 'GET', '/usage?principal=')).body.code, 'INVALID_REQUEST')
    const anonymous = await fetch(`${stack.url}/principals/alice/budget`, { method: 'PUT', body: '{"limitUsd":null}' })
    assert.equal(anonymous.status, 401)
    assert.deepEqual((await call(stack, 'GET', '/usage?principal=nobody')).body.principals, [
      {
        principal: 'nobody',
        usage: { requests: 0, inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0 },
        budget: { limitUsd: null, source: 'none' },
      },
    ])
  })

  it('keeps the usage and the budgets across a restart', async () => {
    const before = (await call(stack, 'GET', '/sessions/capped/usage')).body
    const principal = (await call(stack, 'GET', '/usage?principal=alice')).body
    await stack.server.close()
    const again = await startServer({ settings: { ...stack.settings, port: 0 }, logger: createLogger({ level: 'silent' }) })
    try {
      assert.deepEqual((await call(again, 'GET', '/sessions/capped/usage')).body, before)
      assert.deepEqual((await call(again, 'GET', '/usage?principal=alice')).body, principal)
    } finally {
      await again.close()
    }
  })
})
