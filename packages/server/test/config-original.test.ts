// The original README's `/config` example works as it did: a sub-agent without a `prompt` gets
// its description as the prompt, and fields the SDK does not know (`name`) are dropped, with
// the answer naming them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { lastTurnRequest, say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

// From the original README, without its placeholder key.
const ORIGINAL_EXAMPLE = {
  systemPrompt: 'You are a helpful assistant.',
  allowedTools: ['read_file', 'write_file'],
  model: 'claude-3-5-sonnet-20241022',
  agents: { myAgent: { name: 'My Custom Agent', description: 'A custom agent' } },
}

describe("the original README's /config example", () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ scenario: { scripts: [{ ...say('hello', 'hi'), repeat: true }] } })
  })
  after(() => stack.close())

  it('is accepted, names what it dropped, and registers the sub-agent with its description as prompt', async () => {
    const posted = await api(stack.url, 'POST', '/config', ORIGINAL_EXAMPLE)
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    assert.equal(posted.body['success'], true)
    assert.deepEqual(posted.body['dropped'], ['agents.myAgent.name'])
    assert.deepEqual(posted.body['config'].agents, { myAgent: { description: 'A custom agent' } })
    assert.deepEqual((await api(stack.url, 'GET', '/config')).body['config'].agents, { myAgent: { description: 'A custom agent' } })

    const probe = await WsProbe.connect(stack.wsUrl)
    // The original protocol's clients read nothing from the HTTP answer: the socket says it too.
    await probe.next((f) => f.type === 'info' && String(f['message']).includes('agents.myAgent.name'), { timeoutMs: 10_000 })
    probe.prompt('hello')
    await probe.result()
    const init = sdkData(probe.frames.find((f) => f.type === 'sdk_message' && sdkData(f)['subtype'] === 'init')!)
    assert.ok((init['agents'] as string[]).includes('myAgent'), `the sub-agent is registered: ${JSON.stringify(init['agents'])}`)
    assert.ok(lastTurnRequest(stack).includes('A custom agent'), 'the model is told about the sub-agent')
    probe.close()
  })

  it('drops unknown agent fields in a named session config too, and says so', async () => {
    const created = await api(stack.url, 'POST', '/sessions', { id: 'orig', config: { agents: ORIGINAL_EXAMPLE.agents } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body['dropped'], ['config.agents.myAgent.name'])
    assert.deepEqual(created.body['session'].config.agents, { myAgent: { description: 'A custom agent' } })
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/orig/ws`)
    await probe.next((f) => f.type === 'info' && String(f['message']).includes('config.agents.myAgent.name'), { timeoutMs: 10_000 })
    probe.close()
  })

  it('still refuses unknown top-level fields and wrong types inside an agent', async () => {
    const unknown = await api(stack.url, 'POST', '/config', { ...ORIGINAL_EXAMPLE, allowedTool: [] })
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body['code'], 'INVALID_CONFIG')
    const wrong = await api(stack.url, 'POST', '/config', { agents: { a: { description: 1 } } })
    assert.equal(wrong.body['code'], 'INVALID_CONFIG')
    assert.ok(wrong.body['data'].issues.some((i: { path: string }) => i.path === 'agents.a.description'))
  })
})
