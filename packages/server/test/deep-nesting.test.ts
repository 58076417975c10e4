// JSON nested so deep that stringifying it again overflows the stack: JSON.parse takes it, the
// schemas pass it through (content blocks and tool inputs are open), and the audit record of the
// prompt (JSON.stringify) threw in a promise callback: one frame from any member ended the
// server. Frames and bodies deeper than MAX_JSON_DEPTH are refused as they arrive.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '@claude-agent/protocol'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

describe('deeply nested JSON', () => {
  let stack: Stack
  let probe: WsProbe
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
    await api(stack.url, 'POST', '/sessions', { id: 'deep' })
    probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/deep/ws`)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  it('counts levels of objects and arrays, not of anything else', () => {
    assert.equal(nestsDeeperThan(JSON.parse(deepArray(MAX_JSON_DEPTH))), false)
    assert.equal(nestsDeeperThan(JSON.parse(deepArray(MAX_JSON_DEPTH + 1))), true)
    assert.equal(nestsDeeperThan(JSON.parse(`${'{"a":'.repeat(3)}"x"${'}'.repeat(3)}`), 3), false)
    assert.equal(nestsDeeperThan(JSON.parse(`${'{"a":'.repeat(4)}[]${'}'.repeat(4)}`), 4), true)
    assert.equal(nestsDeeperThan('just a string'), false)
  })

  const frames: Array<[string, string, object]> = [
    [
      'a prompt with a deep value in a content block',
      `{"type":"user_message","data":{"type":"user","uuid":"u-deep","message":{"role":"user","content":[{"type":"text","text":"hi","x":${deepArray(200_000)}}]}}}`,
      // Named, as every refused prompt is, so the client waiting for it hears.
      { limit: MAX_JSON_DEPTH, uuid: 'u-deep' },
    ],
    [
      'a permission answer with a deep updatedInput',
      `{"type":"permission_response","requestId":"r","decision":"allow","updatedInput":{"a":${deepArray(200_000)}}}`,
      { limit: MAX_JSON_DEPTH },
    ],
  ]
  for (const [name, text, data] of frames) {
    it(`refuses ${name} with INVALID_FRAME, and serves on`, async () => {
      const from = probe.frames.length
      probe.send(text)
      const error = await probe.next((f) => f.type === 'error', { from })
      assert.equal(error['code'], 'INVALID_FRAME')
      assert.deepEqual(error['data'], data)
      // The same connection and the server go on.
      probe.send({ type: 'interrupt' })
      assert.equal((await probe.next((f) => f['code'] === 'NOTHING_TO_INTERRUPT', { from })).type, 'error')
      assert.equal((await api(stack.url, 'GET', '/health')).status, 200)
    })
  }

  it('refuses a deep body with 400 INVALID_REQUEST', async () => {
    const res = await api(
      stack.url,
      'POST',
      '/sessions',
      `{"id":"deeper","config":{"agents":{"a":{"description":"x","x":${deepArray(30_000)}}}}}`,
    )
    assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], JSON.stringify(res.body).slice(0, 300))
    assert.equal((await api(stack.url, 'GET', '/sessions/deeper')).status, 404)
  })
})
