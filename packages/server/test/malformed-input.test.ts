// Every bad input gets an error frame or response with a code, and the connection and the
// server keep working afterwards.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('malformed input over /ws', () => {
  let stack: Stack
  let probe: WsProbe

  before(async () => {
    stack = await startStack({ scenario: { scripts: [say('still works', 'Yes, still working')] } })
    probe = await WsProbe.connect(stack.wsUrl)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  const cases: Array<[string, unknown, string, string?]> = [
    ['not JSON', '{"type": "user_message", ', 'BAD_JSON'],
    ['a JSON array', '[1,2,3]', 'INVALID_FRAME'],
    ['a JSON string', '"hello"', 'INVALID_FRAME'],
    ['no type', { data: {} }, 'INVALID_FRAME', 'type'],
    ['a non-string type', { type: 42 }, 'INVALID_FRAME', 'type'],
    ['an unknown type', { type: 'launch_rockets' }, 'UNKNOWN_FRAME_TYPE'],
    ['user_message without data', { type: 'user_message' }, 'INVALID_FRAME', 'data'],
    ['user_message without message', { type: 'user_message', data: { type: 'user' } }, 'INVALID_FRAME', 'data.message'],
    [
      'user_message with a numeric content',
      { type: 'user_message', data: { type: 'user', message: { role: 'user', content: 5 } } },
      'INVALID_FRAME',
      'data.message.content',
    ],
    [
      'user_message with the wrong role',
      { type: 'user_message', data: { type: 'user', message: { role: 'assistant', content: 'x' } } },
      'INVALID_FRAME',
      'data.message.role',
    ],
    // The CLI takes a text block without its text and never answers: the turn would hang until
    // the silence watchdog (10 minutes by default), every prompt queued behind it waiting.
    [
      'user_message with a text block without text',
      { type: 'user_message', data: { type: 'user', message: { role: 'user', content: [{ type: 'text' }] } } },
      'INVALID_FRAME',
      'data.message.content.0.text',
    ],
    [
      'user_message with a text block whose text is not a string',
      {
        type: 'user_message',
        data: {
          type: 'user',
          message: {
            role: 'user',
            content: [
              { type: 'text', text: 'ok' },
              { type: 'text', text: null },
            ],
          },
        },
      },
      'INVALID_FRAME',
      'data.message.content.1.text',
    ],
    [
      'user_message whose data is not a user message',
      { type: 'user_message', data: { type: 'assistant', message: { role: 'user', content: 'x' } } },
      'INVALID_FRAME',
      'data.type',
    ],
  ]

  for (const [name, frame, code, path] of cases) {
    it(`answers ${name} with ${code}`, async () => {
      const from = probe.frames.length
      probe.send(frame)
      const error = await probe.next((f) => f.type === 'error', { from })
      assert.equal(error['code'], code)
      assert.equal(typeof error['error'], 'string')
      if (path) {
        const issues = (error['data'] as { issues: Array<{ path: string }> }).issues
        assert.ok(
          issues.some((i) => i.path === path),
          `names ${path}: ${JSON.stringify(issues)}`,
        )
      }
    })
  }

  it("names an unreadable prompt's uuid in its error, so the client that waits for it is told", async () => {
    const from = probe.frames.length
    const uuid = '6f1e9a7c-0b4d-4c5e-9f2a-3d8b7c6e5a41'
    probe.send({ type: 'user_message', data: { type: 'user', uuid, message: { role: 'user', content: [{ type: 'text' }] } } })
    const error = await probe.next((f) => f.type === 'error', { from })
    assert.equal(error['code'], 'INVALID_FRAME')
    assert.equal((error['data'] as { uuid?: string }).uuid, uuid)
  })

  it('refuses a uuid no client could wait on (empty, over 128 characters) and does not echo it', async () => {
    for (const uuid of ['', 'u'.repeat(129), 'u'.repeat(500_000)]) {
      const from = probe.frames.length
      probe.send({ type: 'user_message', data: { type: 'user', uuid, message: { role: 'user', content: 'hi' } } })
      const error = await probe.next((f) => f.type === 'error', { from })
      assert.equal(error['code'], 'INVALID_FRAME')
      assert.match(String(error['error']), /uuid/)
      assert.ok(JSON.stringify(error).length < 1000, 'the uuid is not sent back')
    }
  })

  it('answers an oversized frame with FRAME_TOO_LARGE and stays open', async () => {
    const from = probe.frames.length
    probe.prompt('x'.repeat(1024 * 1024 + 10))
    const error = await probe.next((f) => f.type === 'error', { from })
    assert.equal(error['code'], 'FRAME_TOO_LARGE')
    assert.equal(probe.closed, false)
  })

  it('still runs a prompt on the same connection after all of that', async () => {
    const from = probe.frames.length
    probe.prompt('still works')
    const result = sdkData(await probe.result(from))
    assert.equal(result['result'], 'Yes, still working')
  })

  it('refuses a WebSocket on an unknown path with 404', async () => {
    const socket = new WebSocket(`${stack.wsUrl.replace(/\/ws$/, '/nope')}`)
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      socket.on('error', () => resolve(-1))
    })
    assert.equal(status, 404)
  })

  it('answers unknown HTTP routes and methods with codes', async () => {
    const missing = await fetch(`${stack.url}/nope`)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as { code: string }).code, 'NOT_FOUND')
    const method = await fetch(`${stack.url}/config`, { method: 'DELETE' })
    assert.equal(method.status, 405)
    assert.equal(((await method.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED')
  })
})
