// The wire: SSE and JSON shapes, side requests, errors, recording, control routes.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { startScriptedModel } from '../src/index.js'
import type { Scenario, ScriptedModel } from '../src/index.js'
import { parseSse, post, stopReasonOf, streamTurn, textOf, toolUsesOf, userPrompt } from './helpers.js'

const scenario: Scenario = {
  scripts: [
    { match: { prompt: 'hello' }, replies: [{ content: [{ type: 'text', text: 'Hello there!' }] }] },
    {
      match: { prompt: 'tool' },
      replies: [
        {
          content: [
            { type: 'text', text: 'Running it.' },
            { type: 'tool_use', name: 'Bash', input: { command: 'echo {{prompt}}' } },
          ],
          chunkSize: 5,
        },
      ],
    },
  ],
}

describe('scripted model over HTTP', () => {
  let model: ScriptedModel
  before(async () => {
    model = await startScriptedModel({ scenario })
  })
  beforeEach(() => model.reset())
  after(() => model.close())

  it('streams a text reply with the full event sequence and echoes the model', async () => {
    const events = await streamTurn(model.url, [userPrompt('hello')])
    assert.deepEqual(
      events.map((e) => e.event),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    )
    assert.ok(events.every((e) => e.data['type'] === e.event))
    assert.equal(events[0]?.data['message'].model, 'claude-test-1')
    assert.match(events[0]?.data['message'].id, /^msg_/)
    assert.equal(textOf(events), 'Hello there!')
    assert.equal(stopReasonOf(events), 'end_turn')
    assert.ok(events.find((e) => e.event === 'message_delta')?.data['usage'].output_tokens >= 1)
  })

  it('streams tool_use through input_json_delta and stops with tool_use', async () => {
    const events = await streamTurn(model.url, [userPrompt('use a tool')])
    const uses = toolUsesOf(events)
    assert.equal(uses.length, 1)
    assert.match(uses[0]?.id ?? '', /^toolu_/)
    assert.deepEqual(uses[0]?.input, { command: 'echo use a tool' }) // {{prompt}} substituted
    const jsonDeltas = events.filter((e) => e.data['delta']?.type === 'input_json_delta')
    assert.ok(jsonDeltas.length > 1, 'chunkSize 5 splits the input JSON')
    assert.equal(stopReasonOf(events), 'tool_use')
  })

  it('answers stream: false with one JSON message', async () => {
    const res = await post(model.url, { messages: [userPrompt('hello')] })
    assert.equal(res.status, 200)
    const message = (await res.json()) as Record<string, unknown>
    assert.equal(message['type'], 'message')
    assert.equal(message['role'], 'assistant')
    assert.equal(message['model'], 'claude-test-1')
    assert.deepEqual(message['content'], [{ type: 'text', text: 'Hello there!' }])
    assert.equal(message['stop_reason'], 'end_turn')
  })

  it('answers the max_tokens: 1 model check without consuming a turn', async () => {
    const res = await post(model.url, { max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] })
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { model: string }).model, 'claude-test-1')
    assert.equal(model.requests[0]?.kind, 'model-check')
    assert.equal(model.unusedReplies().length, 2, 'no scripted reply used')
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('hello')])), 'Hello there!')
  })

  it('answers the session-title side request with JSON matching its schema', async () => {
    const format = {
      type: 'json_schema',
      schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
    }
    const res = await post(model.url, { stream: true, tools: [], output_config: { format }, messages: [userPrompt('hello')] })
    const title = JSON.parse(textOf(parseSse(await res.text()))) as { title: unknown }
    assert.equal(typeof title.title, 'string')
    assert.equal(model.requests[0]?.kind, 'session-title')
    assert.equal(model.unusedReplies().length, 2)
  })

  it('records requests with credentials redacted', async () => {
    await fetch(`${model.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bearer-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [userPrompt('hello')] }),
    })
    await post(model.url, { messages: [userPrompt('hello')] })
    const [bearer, keyed] = model.requests
    assert.equal(bearer?.headers['authorization'], '[redacted]')
    assert.equal(keyed?.headers['x-api-key'], '[redacted]')
    assert.equal(keyed?.path, '/v1/messages?beta=true')
    assert.equal(keyed?.method, 'POST')
    assert.ok(!Number.isNaN(Date.parse(keyed?.at ?? '')))
    const served = await (await fetch(`${model.url}/_requests`)).text()
    assert.equal(JSON.stringify(model.requests).includes('secret'), false)
    assert.equal(served.includes('secret'), false)
  })

  it('rejects a bad JSON body with 400 in the Anthropic error shape', async () => {
    const res = await fetch(`${model.url}/v1/messages`, { method: 'POST', body: '{not json' })
    assert.equal(res.status, 400)
    const body = (await res.json()) as { type: string; error: { type: string } }
    assert.equal(body.type, 'error')
    assert.equal(body.error.type, 'invalid_request_error')
  })

  it('rejects a body without messages with 400', async () => {
    const res = await fetch(`${model.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'm' }) })
    assert.equal(res.status, 400)
  })

  it('answers unknown paths with a 404 JSON error', async () => {
    for (const path of ['/v1/models', '/_nope']) {
      const res = await fetch(`${model.url}${path}`)
      assert.equal(res.status, 404)
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'not_found_error')
    }
  })

  it('replaces the scenario with PUT /_scenario and rejects an invalid one', async () => {
    const next: Scenario = { scripts: [{ replies: [{ content: [{ type: 'text', text: 'from PUT' }] }] }] }
    const put = await fetch(`${model.url}/_scenario`, { method: 'PUT', body: JSON.stringify(next) })
    assert.equal(put.status, 200)
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('anything')])), 'from PUT')
    const bad = await fetch(`${model.url}/_scenario`, { method: 'PUT', body: JSON.stringify({ scripts: [{}] }) })
    assert.equal(bad.status, 400)
    const error = ((await bad.json()) as { error: { code: string; issues: string[] } }).error
    assert.equal(error.code, 'SCENARIO_INVALID')
    assert.deepEqual(error.issues, ['scripts[0].replies: expected a non-empty array'])
    const recorded = (await (await fetch(`${model.url}/_requests`)).json()) as unknown[]
    assert.equal(recorded.length, 1, 'control requests are not recorded')
    model.setScenario(scenario)
  })
})
