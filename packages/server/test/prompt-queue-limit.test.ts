// A session holds at most MAX_QUEUED_PROMPTS prompts waiting behind its turn: each is kept in
// memory whole (up to MAX_FRAME_BYTES), and a client sending faster than turns end grew the
// server without bound. The prompt past it is refused with QUEUE_FULL, naming its uuid, and
// nothing of it is recorded: once the queue has room, the same uuid runs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'
import { MAX_QUEUED_PROMPTS } from '../src/sessions/turn-queue.js'

describe('the prompt queue of a session', () => {
  let stack: Stack
  let probe: WsProbe
  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          // The first turn takes a while: everything sent meanwhile waits behind it.
          { match: { prompt: 'slow' }, replies: [{ content: [{ type: 'text', text: 'done slowly' }], delayMs: 4_000 }] },
          { match: { prompt: 'quick' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'ok' }] }] },
        ],
      },
      settings: { prewarm: false },
    })
    await api(stack.url, 'POST', '/sessions', { id: 'q', config: { permissionMode: 'bypassPermissions' } })
    probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/q/ws`)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  const send = (uuid: string, content: string) =>
    probe.send({ type: 'user_message', data: { type: 'user', uuid, message: { role: 'user', content } } })

  it('refuses the prompt past the limit with QUEUE_FULL, and runs it when resent later', async () => {
    send('slow-1', 'slow')
    await probe.next((f) => f.type === 'session_state' && f['state'] === 'running')
    const from = probe.frames.length
    for (let i = 0; i < MAX_QUEUED_PROMPTS + 3; i++) send(`quick-${i}`, 'quick')
    const refused = async (n: number) => {
      for (;;) {
        const found = probe.frames.slice(from).filter((f) => f.type === 'error' && f['code'] === 'QUEUE_FULL')
        if (found.length >= n) return found
        await probe.next(() => false, { timeoutMs: 50 }).catch(() => undefined)
      }
    }
    const full = await refused(3)
    assert.deepEqual(
      full.map((f) => f['data']),
      [0, 1, 2].map((i) => ({ limit: MAX_QUEUED_PROMPTS, uuid: `quick-${MAX_QUEUED_PROMPTS + i}` })),
    )
    // Once the queue has run (the slow turn and every queued one: a result each), the refused
    // uuid was never recorded: resent, it runs.
    const isResult = (f: { type: string; [k: string]: unknown }) =>
      f.type === 'sdk_message' && (f['data'] as { type: string }).type === 'result'
    const deadline = Date.now() + 180_000
    while (probe.frames.slice(from).filter(isResult).length < MAX_QUEUED_PROMPTS + 1) {
      assert.ok(Date.now() < deadline, 'the queued prompts ran')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const again = probe.frames.length
    send(`quick-${MAX_QUEUED_PROMPTS}`, 'quick')
    const result = await probe.next(isResult, { from: again })
    assert.equal((result['data'] as { is_error: boolean }).is_error, false)
    assert.equal(
      probe.frames.slice(again).some((f) => f.type === 'error'),
      false,
    )
  })
})
