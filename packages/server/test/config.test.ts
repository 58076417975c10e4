// POST /config validation and GET /config redaction; config binds at the agent's next start
// and the API says which config the running agent uses.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TEST_API_KEY, lastTurnRequest, say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

type Json = Record<string, any>

describe('config over HTTP', () => {
  let stack: Stack
  const post = async (body: string) => {
    const res = await fetch(`${stack.url}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const get = async () => (await (await fetch(`${stack.url}/config`)).json()) as Json

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          { ...say('first', 'one'), repeat: true },
          { ...say('second', 'two'), repeat: true },
        ],
      },
    })
  })
  after(() => stack.close())

  it('rejects a wrong field type with 400 INVALID_CONFIG naming the field', async () => {
    const { status, body } = await post(JSON.stringify({ allowedTools: 'Bash', model: 7 }))
    assert.equal(status, 400)
    assert.equal(body['code'], 'INVALID_CONFIG')
    const paths = (body['data'].issues as Array<{ path: string }>).map((i) => i.path)
    assert.deepEqual(paths.sort(), ['allowedTools', 'model'])
    assert.match(body['error'], /allowedTools/)
  })

  it('rejects an unknown field, a bad nested field, bad JSON, and an oversized body', async () => {
    const unknown = await post(JSON.stringify({ allowedTool: ['Bash'] }))
    assert.equal(unknown.body['code'], 'INVALID_CONFIG')
    assert.match(unknown.body['error'], /allowedTool/)
    const nested = await post(JSON.stringify({ systemPrompt: { type: 'preset', preset: 'other' } }))
    assert.equal(nested.body['code'], 'INVALID_CONFIG')
    assert.ok(nested.body['data'].issues.some((i: { path: string }) => i.path.startsWith('systemPrompt')))
    const agent = await post(JSON.stringify({ agents: { helper: { description: 'x', tools: 'Bash' } } }))
    assert.ok(agent.body['data'].issues.some((i: { path: string }) => i.path === 'agents.helper.tools'))
    const bad = await post('{"model":')
    assert.equal(bad.status, 400)
    assert.equal(bad.body['code'], 'BAD_JSON')
    const big = await post(JSON.stringify({ systemPrompt: 'x'.repeat(70 * 1024) }))
    assert.equal(big.status, 413)
    assert.equal(big.body['code'], 'BODY_TOO_LARGE')
  })

  // They reach the CLI's command line, where a NUL byte made every start of the session fail
  // (AGENT_START_FAILED) instead of the request.
  it('rejects a NUL byte in the model and the tool lists, on /config, a new session and set_model', async () => {
    const { status, body } = await post(JSON.stringify({ model: 'a\0b', allowedTools: ['Bash\0'], disallowedTools: ['x\0'] }))
    assert.equal(status, 400)
    assert.equal(body['code'], 'INVALID_CONFIG')
    const paths = (body['data'].issues as Array<{ path: string }>).map((i) => i.path)
    assert.deepEqual(paths.sort(), ['allowedTools.0', 'disallowedTools.0', 'model'])
    const created = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config: { model: 'a\0b' } }),
    })
    assert.equal(created.status, 400)
    assert.equal(((await created.json()) as Json)['code'], 'INVALID_REQUEST')
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.send({ type: 'control', id: 'm', request: { subtype: 'set_model', model: 'a\0b' } })
    const refused = await probe.next((f) => f.type === 'error' || f.type === 'control_response')
    probe.close()
    assert.equal(refused['code'] ?? (refused['error'] as Json | undefined)?.['code'], 'INVALID_FRAME')
    assert.equal((await get())['model'], undefined, 'nothing was kept')
  })

  it('never returns the API key from POST or GET, nor logs it', async () => {
    const secret = 'sk-posted-secret-abcdefghijkl'
    const posted = await post(JSON.stringify({ anthropicApiKey: secret, model: 'claude-test' }))
    assert.equal(posted.status, 200)
    assert.equal(posted.body['success'], true)
    const got = await get()
    for (const text of [JSON.stringify(posted.body), JSON.stringify(got), stack.logLines.join('\n')]) {
      assert.ok(!text.includes(secret), 'posted key leaked')
      assert.ok(!text.includes(TEST_API_KEY), 'server key leaked')
    }
    assert.equal(got['config'].anthropicApiKey, '[redacted]')
    assert.equal(got['config'].model, 'claude-test')
    await post(JSON.stringify({}))
  })

  it('binds config at the next agent start and reports the running one', async () => {
    await post(JSON.stringify({ systemPrompt: 'You are config A.', model: 'model-a' }))
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('first')
    await probe.result()
    const firstBody = lastTurnRequest(stack)
    assert.ok(firstBody.includes('You are config A.'), 'the system prompt reached the model')
    assert.ok(firstBody.includes('"model":"model-a"'), 'the model reached the API')

    const posted = await post(JSON.stringify({ model: 'model-b' }))
    assert.equal(posted.body['appliesAtNextStart'], true)
    const during = await get()
    assert.equal(during['config'].model, 'model-b', 'the posted config')
    assert.equal(during['session'].run.config.model, 'model-a', 'the running config')

    // The running agent keeps config A ...
    let from = probe.frames.length
    probe.prompt('first')
    const resultA = sdkData(await probe.result(from))
    assert.ok(lastTurnRequest(stack).includes('"model":"model-a"'))
    probe.close()

    // ... and the next start (a new connection after the last one left) takes config B,
    // continuing the same conversation.
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await get())['session'].run, null, 'the agent was released')
    const probe2 = await WsProbe.connect(stack.wsUrl)
    from = probe2.frames.length
    probe2.prompt('second')
    const resultB = sdkData(await probe2.result(from))
    assert.equal(resultB['result'], 'two')
    assert.equal(resultB['session_id'], resultA['session_id'])
    const lastBody = lastTurnRequest(stack)
    assert.ok(lastBody.includes('"model":"model-b"'), 'config B reached the model')
    assert.ok(lastBody.includes('"text":"first"'), 'the resumed conversation carries the earlier turns')
    assert.equal((await get())['session'].run.config.model, 'model-b')
    probe2.close()
  })
})
