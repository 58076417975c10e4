// An agent that cannot start, an API that fails, and a CLI killed mid-turn: each gives an
// error frame with a code, and the next prompt works once the cause is gone.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { lastTurnRequest, say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const errorAfter = (probe: WsProbe, from: number) => probe.next((f) => f.type === 'error', { from })

describe('agent failures', () => {
  const stacks: Stack[] = []
  after(async () => {
    for (const s of stacks) await s.close()
  })

  it('reports a CLI with no credential, then works once a key is posted', async () => {
    const stack = await startStack({
      scenario: { scripts: [say('hello', 'Hi, now with a key')] },
      agentVars: (url) => ({ ANTHROPIC_BASE_URL: url, CLAUDE_CODE_MAX_RETRIES: '0' }),
    })
    stacks.push(stack)
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('hello')
    const error = await errorAfter(probe, 0)
    assert.ok(['TURN_FAILED', 'AGENT_START_FAILED'].includes(error['code'] as string), `code ${error['code']}`)
    assert.equal(stack.model.requests.filter((r) => r.kind === 'turn').length, 0, 'no model request without a key')

    const posted = await fetch(`${stack.url}/config`, {
      method: 'POST',
      body: JSON.stringify({ anthropicApiKey: 'sk-now-configured-0123456789' }),
    })
    assert.equal(posted.status, 200)
    const from = probe.frames.length
    probe.prompt('hello')
    const result = sdkData(await probe.result(from))
    assert.equal(result['is_error'], false)
    assert.equal(result['result'], 'Hi, now with a key')
    probe.close()
  })

  it('reports an API answering 500 as TURN_FAILED, then resumes the conversation', async () => {
    const stack = await startStack({
      scenario: {
        scripts: [
          { match: { prompt: 'first question' }, replies: [{ error: { status: 500, type: 'api_error', message: 'boom' } }] },
          say('second question', 'Recovered'),
        ],
      },
    })
    stacks.push(stack)
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('first question')
    const error = await errorAfter(probe, 0)
    assert.equal(error['code'], 'TURN_FAILED')
    const failed = sdkData(await probe.result(0))
    assert.equal(failed['is_error'], true)

    const from = probe.frames.length
    probe.prompt('second question')
    const result = sdkData(await probe.result(from))
    assert.equal(result['is_error'], false)
    assert.equal(result['result'], 'Recovered')
    assert.ok(lastTurnRequest(stack).includes('first question'), 'the conversation kept the failed prompt')
    probe.close()
  })

  it('reports a CLI killed mid-turn as AGENT_EXITED, then resumes with context', async () => {
    const stack = await startStack({
      scenario: {
        scripts: [
          say('remember the word banana', 'I will remember banana'),
          {
            match: { prompt: 'slow answer' },
            replies: [{ content: [{ type: 'text', text: 'tick '.repeat(100) }], chunkSize: 5, chunkDelayMs: 100 }],
          },
          say('what was the word', 'It was banana'),
        ],
      },
    })
    stacks.push(stack)
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('remember the word banana')
    await probe.result(0)

    const from = probe.frames.length
    const turnsBefore = stack.model.requests.length
    probe.prompt('slow answer')
    while (stack.model.requests.length === turnsBefore) await new Promise((r) => setTimeout(r, 20))
    const pid = stack.server.sessions.defaultSession.activeRun?.pid
    assert.ok(pid, 'the CLI has a pid')
    process.kill(pid, 'SIGKILL')
    const error = await errorAfter(probe, from)
    assert.equal(error['code'], 'AGENT_EXITED')

    const next = probe.frames.length
    probe.prompt('what was the word')
    const result = sdkData(await probe.result(next))
    assert.equal(result['result'], 'It was banana')
    assert.ok(lastTurnRequest(stack).includes('remember the word banana'), 'resumed with the earlier turns')
    probe.close()
  })
})

describe('several clients on one server', () => {
  it('sends every event to every connected client', async () => {
    const stack = await startStack({ scenario: { scripts: [say('broadcast', 'Everyone sees this')] } })
    try {
      const a = await WsProbe.connect(stack.wsUrl)
      const b = await WsProbe.connect(stack.wsUrl)
      a.prompt('broadcast')
      await a.result(0)
      await b.result(0)
      // Compare what both saw: the events after the later of the two attached.
      const start = Math.max(a.frames[0]!['lastSeq'] as number, b.frames[0]!['lastSeq'] as number)
      const events = (p: WsProbe) =>
        p.frames.filter((f: Frame) => typeof f['seq'] === 'number' && f['seq'] > start).map((f) => JSON.stringify(f))
      assert.ok(events(a).length >= 3)
      assert.deepEqual(events(b), events(a), 'both clients saw the same frames, in the same order')
      a.close()
      b.close()
    } finally {
      await stack.close()
    }
  })
})
