// A key named "__proto__" in JSON: JSON.parse keeps it as an own key, but every copy made by
// assignment (zod's records among them) sets the copy's prototype instead, so an env variable,
// an agent or an MCP server of that name vanished from the stored config without a word. Such
// keys are refused where JSON arrives, with the path that named one.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { jsonShapeProblem } from '@claude-agent/protocol'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

describe('__proto__ keys', () => {
  let stack: Stack
  let probe: WsProbe
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
    await api(stack.url, 'POST', '/sessions', { id: 'proto' })
    probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/proto/ws`)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  it('finds one at any depth, in objects only, and names its path', () => {
    assert.equal(jsonShapeProblem(JSON.parse('{"a":{"b":[1,{"c":"__proto__"}]},"proto":"__proto__"}')), undefined)
    assert.deepEqual(jsonShapeProblem(JSON.parse('{"a":{"b":[1,{"__proto__":{}}]}}')), { kind: 'proto-key', path: 'a.b.1.__proto__' })
    // An object literal's __proto__ sets the prototype, it is no key: nothing to find.
    assert.equal(jsonShapeProblem({ __proto__: { x: 1 } }), undefined)
  })

  it('names the path of one behind 300,000 objects 120 deep in a heap of 128 MB (copying each path took 600 MB)', () => {
    // A 900 KB body (a frame may be 16 MiB): the walk must not cost each entry its depth.
    const script = `
      import { jsonShapeProblem } from '@claude-agent/protocol'
      const text = '{"a":'.repeat(120) + '[' + '{},'.repeat(300000) + '{"__proto__":1}]' + '}'.repeat(120)
      process.stdout.write(JSON.stringify(jsonShapeProblem(JSON.parse(text))))`
    const run = spawnSync(
      process.execPath,
      ['--max-old-space-size=128', '--import', 'tsx', '--conditions=claude-agent-source', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    )
    assert.equal(run.status, 0, run.stderr.slice(-2000))
    const path = `${'a.'.repeat(120)}300000.__proto__`.slice(-256)
    assert.deepEqual(JSON.parse(run.stdout), { kind: 'proto-key', path })
  })

  const bodies: Array<[string, string, string]> = [
    ['an env variable', '{"id":"p1","config":{"env":{"__proto__":"x","CLAUDE_CODE_X":"1"}}}', 'config.env.__proto__'],
    ['an agent', '{"id":"p2","config":{"agents":{"__proto__":{"description":"d","prompt":"p"}}}}', 'config.agents.__proto__'],
    ['an MCP server', '{"id":"p3","config":{"mcpServers":{"__proto__":{"command":"node"}}}}', 'config.mcpServers.__proto__'],
  ]
  for (const [name, body, path] of bodies) {
    it(`refuses a session config with ${name} named __proto__: 400 INVALID_REQUEST, nothing created`, async () => {
      const res = await api(stack.url, 'POST', '/sessions', body)
      assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], JSON.stringify(res.body))
      assert.deepEqual((res.body['data'] as { issues: unknown }).issues, [{ path, message: 'a key named "__proto__" is not accepted' }])
      const id = (JSON.parse(body) as { id: string }).id
      assert.equal((await api(stack.url, 'GET', `/sessions/${id}`)).status, 404)
    })
  }

  it('refuses the original protocol POST /config with one, and keeps the config it had', async () => {
    const before = await api(stack.url, 'GET', '/config')
    const res = await api(stack.url, 'POST', '/config', '{"env":{"__proto__":"x"},"model":"claude-x"}')
    assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], JSON.stringify(res.body))
    assert.deepEqual((await api(stack.url, 'GET', '/config')).body, before.body)
  })

  it('refuses a prompt with one as INVALID_FRAME naming the prompt, and serves on', async () => {
    const from = probe.frames.length
    probe.send(
      '{"type":"user_message","data":{"type":"user","uuid":"u-proto","message":{"role":"user","content":[{"type":"text","text":"hi","__proto__":{}}]}}}',
    )
    const error = await probe.next((f) => f.type === 'error', { from })
    assert.equal(error['code'], 'INVALID_FRAME')
    assert.deepEqual(error['data'], {
      issues: [{ path: 'data.message.content.0.__proto__', message: 'a key named "__proto__" is not accepted' }],
      uuid: 'u-proto',
    })
    probe.send({ type: 'interrupt' })
    assert.equal((await probe.next((f) => f['code'] === 'NOTHING_TO_INTERRUPT', { from })).type, 'error')
  })
})
