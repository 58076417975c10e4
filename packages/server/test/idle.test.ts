// An idle session releases its CLI process after the idle timeout; the next prompt brings it
// back transparently and the conversation keeps its context.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { isAlive } from '../src/process-alive.js'
import { goneWithin } from './helpers/processes.js'
import { lastTurnRequest, say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('idle sessions', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({
      scenario: { scripts: [say('the code is 4711', 'Noted'), say('what was the code', 'It was 4711')] },
      settings: { idleTimeoutMs: 400 },
    })
    await api(stack.url, 'POST', '/sessions', { id: 'sleepy' })
  })
  after(() => stack.close())

  it('releases the CLI when idle and resumes with context on the next prompt', async () => {
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/sleepy/ws`)
    probe.prompt('the code is 4711')
    await probe.result()
    const pid = (await api(stack.url, 'GET', '/sessions/sleepy')).body['session'].run.pid as number
    assert.ok(isAlive(pid), 'the CLI runs after the turn')

    await probe.next((f) => f.type === 'session_state' && f['state'] === 'suspended')
    assert.ok(await goneWithin(pid), 'the CLI process is gone')
    const info = (await api(stack.url, 'GET', '/sessions/sleepy')).body['session']
    assert.equal(info.state, 'suspended')
    assert.equal(info.run, null)

    const from = probe.frames.length
    probe.prompt('what was the code')
    const result = sdkData(await probe.result(from))
    assert.equal(result['result'], 'It was 4711')
    assert.ok(lastTurnRequest(stack).includes('the code is 4711'), 'the model saw the earlier turn')
    probe.close()
  })
})
