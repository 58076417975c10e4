// The real SDK and CLI, through the real server, against the scripted model: a text turn,
// a tool turn that really runs Bash, and an interrupt mid-answer followed by a further prompt.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('turns over /ws', () => {
  let stack: Stack
  let probe: WsProbe

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          say('say hello', 'Hello from the scripted model'),
          {
            match: { prompt: 'make a file' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo made-by-agent > agent-file.txt' } }] },
              { content: [{ type: 'text', text: 'Created agent-file.txt' }] },
            ],
          },
          {
            match: { prompt: 'tell a long story' },
            replies: [{ content: [{ type: 'text', text: 'Once upon a time '.repeat(40) }], chunkSize: 17, chunkDelayMs: 150 }],
          },
          say('after the interrupt', 'Still here'),
        ],
      },
    })
    probe = await WsProbe.connect(stack.wsUrl)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  it('relays a text turn: system/init, assistant text, result', async () => {
    const from = probe.frames.length
    probe.prompt('say hello')
    const result = sdkData(await probe.result(from))
    assert.equal(result['subtype'], 'success')
    assert.equal(result['is_error'], false)
    assert.equal(result['result'], 'Hello from the scripted model')
    const kinds = probe.frames
      .slice(from)
      .filter((f) => f.type === 'sdk_message')
      .map((f) => sdkData(f).type)
    assert.deepEqual([kinds[0], kinds.includes('assistant'), kinds.at(-1)], ['system', true, 'result'])
    const seqs = probe.frames
      .slice(from)
      .map((f) => f['seq'])
      .filter((s) => s !== undefined) as number[]
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'events carry increasing sequence numbers',
    )
  })

  it('runs a real tool: Bash writes a file in the workspace', async () => {
    const from = probe.frames.length
    probe.prompt('make a file')
    const result = sdkData(await probe.result(from))
    assert.equal(result['is_error'], false)
    const file = join(stack.workspace, 'agent-file.txt')
    assert.ok(existsSync(file), 'the CLI ran the Bash tool in the workspace')
    assert.equal(readFileSync(file, 'utf8').trim(), 'made-by-agent')
    const toolResult = probe.frames.slice(from).find((f) => f.type === 'sdk_message' && sdkData(f).type === 'user')
    assert.ok(toolResult, 'the tool result was relayed')
  })

  it('interrupts a slow streamed answer, then answers the next prompt in the same conversation', async () => {
    const from = probe.frames.length
    const requestsBefore = stack.model.requests.length
    probe.prompt('tell a long story')
    // Interrupt once the model is streaming the answer.
    while (stack.model.requests.length === requestsBefore) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 300))
    probe.send({ type: 'interrupt' })
    const interrupted = sdkData(await probe.result(from))
    assert.equal(interrupted['subtype'], 'error_during_execution')
    assert.equal(interrupted['is_error'], true)
    assert.ok(
      !probe.frames.slice(from).some((f) => f.type === 'error' && f['code'] === 'TURN_FAILED'),
      'an interrupt is not reported as a failure',
    )

    const next = probe.frames.length
    probe.prompt('after the interrupt')
    const result = sdkData(await probe.result(next))
    assert.equal(result['result'], 'Still here')
    assert.equal(result['session_id'], interrupted['session_id'], 'same conversation')
  })

  it('answers an interrupt with nothing running with NOTHING_TO_INTERRUPT', async () => {
    const from = probe.frames.length
    probe.send({ type: 'interrupt' })
    const error = await probe.next((f) => f.type === 'error', { from })
    assert.equal(error['code'], 'NOTHING_TO_INTERRUPT')
  })
})

describe('prompt uuids', () => {
  it('runs a resent prompt once and answers the duplicate with DUPLICATE_PROMPT', async () => {
    const stack = await startStack({ scenario: { scripts: [{ ...say('once only', 'ran'), repeat: true }] } })
    try {
      const probe = await WsProbe.connect(stack.wsUrl)
      const frame = {
        type: 'user_message',
        data: { type: 'user', uuid: '0a0b0c0d-0000-4000-8000-000000000001', message: { role: 'user', content: 'once only' } },
      }
      probe.send(frame)
      probe.send(frame)
      const duplicate = await probe.next((f) => f.type === 'error')
      assert.equal(duplicate['code'], 'DUPLICATE_PROMPT')
      assert.deepEqual(duplicate['data'], { uuid: '0a0b0c0d-0000-4000-8000-000000000001' })
      await probe.result()
      await new Promise((r) => setTimeout(r, 300))
      const results = probe.frames.filter((f) => f.type === 'sdk_message' && sdkData(f).type === 'result')
      assert.equal(results.length, 1, 'the prompt ran once')
      probe.close()
    } finally {
      await stack.close()
    }
  })
})
