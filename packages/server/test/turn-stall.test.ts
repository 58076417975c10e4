// No turn stays open without an end, with the real CLI: a CLI gone silent (the model API hangs)
// is stopped and the turn ended with TURN_STALLED; a CLI that ends a turn without a result (a
// prompt uuid its transcript already holds) is noticed at once; an interrupt a wedged (stopped)
// CLI cannot answer still ends the turn. Each time the session takes the next prompt. A slow
// stream or a long tool is not mistaken for silence.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { agentProcesses } from './helpers/processes.js'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const isSdk = (type: string) => (f: Frame) => f.type === 'sdk_message' && sdkData(f).type === type
const stalled = (f: Frame) => f.type === 'error' && f['code'] === 'TURN_STALLED'
const userMessage = (content: string, uuid?: string) => ({
  type: 'user_message',
  data: { type: 'user', ...(uuid ? { uuid } : {}), message: { role: 'user', content } },
})

/** The processes of the session's CLI, without the bwrap process around them. */
function cliProcesses(stack: Stack): number[] {
  return agentProcesses(join(stack.dir, 'data', 'sessions')).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'bwrap'
    } catch {
      return false
    }
  })
}

describe('turns the CLI does not end', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      settings: { turnSilenceTimeoutMs: 5_000, interruptTimeoutMs: 1_500 },
      scenario: {
        scripts: [
          { match: { prompt: 'hang' }, replies: [{ delayMs: 120_000, content: [{ type: 'text', text: 'too late' }] }] },
          { match: { prompt: 'silent later' }, replies: [{ delayMs: 120_000, content: [{ type: 'text', text: 'too late' }] }] },
          {
            match: { prompt: 'trickle' },
            replies: [{ content: [{ type: 'text', text: 'drop '.repeat(30) }], chunkSize: 5, chunkDelayMs: 400 }],
          },
          {
            match: { prompt: 'long tool' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'sleep 8 && echo slept' } }] },
              { content: [{ type: 'text', text: 'tool done' }] },
            ],
          },
          {
            match: { prompt: 'use a tool' },
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo hi' } }] },
              { content: [{ type: 'text', text: 'ok' }] },
            ],
          },
          {
            match: { prompt: 'wedge' },
            replies: [{ content: [{ type: 'text', text: 'wedged '.repeat(200) }], chunkSize: 5, chunkDelayMs: 50 }],
          },
          { ...say('next', 'Next answered'), repeat: true },
        ],
      },
    })
  })
  after(() => stack.close())

  it('ends a turn whose CLI goes silent, and answers the prompt queued behind it', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('hang')
    probe.prompt('next')
    const error = await probe.next(stalled)
    assert.deepEqual(error['data'], { reason: 'silent' })
    assert.match(String(error['error']), /sent nothing for 5000 ms/)
    const result = sdkData(await probe.result(probe.frames.indexOf(error)))
    assert.equal(result['result'], 'Next answered')
    assert.equal(probe.frames.filter(isSdk('result')).length, 1, 'the stalled turn has no result of its own')
    probe.close()
  })

  it('watches every turn for silence, not only the first (the watchdog reuses its timer)', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('next')
    await probe.result()
    const from = probe.frames.length
    probe.prompt('silent later')
    const error = await probe.next(stalled, { from })
    assert.deepEqual(error['data'], { reason: 'silent' })
    probe.close()
  })

  it('does not take a slow stream or a long tool for silence', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('trickle')
    assert.equal(sdkData(await probe.result())['is_error'], false)
    let from = probe.frames.length
    probe.prompt('long tool')
    const result = sdkData(await probe.result(from))
    assert.equal(result['result'], 'tool done')
    assert.equal(probe.frames.filter(stalled).length, 0)
    from = probe.frames.length
    probe.prompt('next')
    await probe.result(from)
    probe.close()
  })

  it('notices a turn ended without a result (a uuid the transcript holds), and goes on', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('use a tool')
    await probe.result()
    // The tool result's user message has a uuid the CLI keeps in its transcript.
    const toolResult = probe.frames.filter(isSdk('user')).find((f) => !sdkData(f)['isReplay'])
    assert.ok(toolResult, 'the tool result was relayed')
    const from = probe.frames.length
    probe.send(userMessage('again', sdkData(toolResult)['uuid'] as string))
    probe.prompt('next')
    const end = await probe.next((f) => stalled(f) || isSdk('result')(f), { from })
    assert.deepEqual(end['data'], { reason: 'no_result' }, 'the turn ended, by the server, before any result')
    const next = sdkData(await probe.next((f) => isSdk('result')(f) && sdkData(f)['result'] === 'Next answered', { from }))
    assert.equal(next['is_error'], false)
    probe.close()
  })

  it('ends the turn when a wedged CLI cannot answer an interrupt', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    const requests = stack.model.requests.length
    probe.prompt('wedge')
    // Wedge it mid-answer: once the model is streaming to it.
    while (stack.model.requests.length === requests) await new Promise((r) => setTimeout(r, 20))
    const wedged = cliProcesses(stack)
    assert.ok(wedged.length > 0)
    for (const pid of wedged) process.kill(pid, 'SIGSTOP')
    const from = probe.frames.length
    probe.send({ type: 'control', id: 'stop-it', request: { subtype: 'interrupt' } })
    const error = await probe.next(stalled, { from })
    assert.deepEqual(error['data'], { reason: 'interrupt_unanswered' })
    const answer = await probe.next((f) => f.type === 'control_response' && f['id'] === 'stop-it', { from })
    assert.deepEqual(answer['result'], { interrupted: true })
    const after = probe.frames.length
    probe.prompt('next')
    assert.equal(sdkData(await probe.result(after))['result'], 'Next answered')
    // Stopping the wedged CLI kills it, stopped or not: its bwrap dies, and the kernel then
    // kills everything in the sandbox's pid namespace (which can take a moment under load).
    await stack.server.sessions.defaultSession.settled()
    const left = () => wedged.filter((pid) => cliProcesses(stack).includes(pid))
    for (let i = 0; i < 200 && left().length > 0; i++) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(left(), [], 'the wedged CLI was killed')
    probe.close()
  })
})
