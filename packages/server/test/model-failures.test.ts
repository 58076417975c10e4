// A model API that cannot be reached, or answers 5xx: clients see progress while the CLI
// retries, the server log names the upstream and the cause, and the turn's error names the
// real endpoint (never the gateway's address inside the sandbox, 127.0.0.1:7480).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TEST_API_KEY, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'
import { freePort as closedPort } from './helpers/ports.js'

const isRetry = (f: Frame) => f.type === 'sdk_message' && sdkData(f)['type'] === 'system' && sdkData(f)['subtype'] === 'api_retry'

async function failedTurn(stack: Stack): Promise<{ probe: WsProbe; error: Frame }> {
  const probe = await WsProbe.connect(stack.wsUrl)
  probe.prompt('hello')
  await probe.result()
  const error = await probe.next((f) => f.type === 'error')
  return { probe, error }
}

describe('an unreachable model API', () => {
  let stack: Stack
  let upstream: string
  before(async () => {
    const port = await closedPort()
    upstream = `http://127.0.0.1:${port}`
    // One retry keeps the test short; the CLI's default is 10 with backoff.
    stack = await startStack({
      agentVars: () => ({ ANTHROPIC_BASE_URL: upstream, ANTHROPIC_API_KEY: TEST_API_KEY, CLAUDE_CODE_MAX_RETRIES: '1' }),
    })
  })
  after(() => stack.close())

  it('shows retries as progress, logs the upstream and the cause, and names them in the error', async () => {
    const { probe, error } = await failedTurn(stack)
    assert.ok(probe.frames.some(isRetry), `the CLI's api_retry messages reach the client: ${probe.summary()}`)
    const notices = probe.frames.filter((f) => f.type === 'info' && f['source'] === 'server').map((f) => f['message'] as string)
    assert.ok(
      notices.some((m) => m.includes(upstream) && m.includes('ECONNREFUSED')),
      notices.join('\n'),
    )

    assert.equal(error['code'], 'TURN_FAILED')
    const message = error['error'] as string
    assert.match(message, /model API error/)
    assert.ok(message.includes(upstream) && message.includes('ECONNREFUSED'), message)
    assert.doesNotMatch(message, /7480|\(success\)/)
    assert.deepEqual((error['data'] as Record<string, unknown>)['upstream'], upstream)

    const logged = stack.logLines.filter((l) => l.startsWith('warn') && l.includes(`model API ${upstream} failed`))
    assert.ok(
      logged.some((l) => l.includes('ECONNREFUSED')),
      stack.logLines.join('\n'),
    )
    probe.close()
  })
})

describe('a model API answering 503', () => {
  let stack: Stack
  before(async () => {
    const down = { error: { status: 503, type: 'overloaded_error', message: 'overloaded for the test' } }
    stack = await startStack({
      scenario: { scripts: [{ match: { prompt: 'hello' }, replies: [down, down, down] }] },
      agentVars: (url) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: TEST_API_KEY, CLAUDE_CODE_MAX_RETRIES: '1' }),
    })
  })
  after(() => stack.close())

  it('names the real endpoint and the status, not the address inside the sandbox', async () => {
    const { probe, error } = await failedTurn(stack)
    const message = error['error'] as string
    assert.ok(message.includes(stack.model.url) && message.includes('HTTP 503'), message)
    assert.match(message, /overloaded for the test/)
    assert.doesNotMatch(message, /7480/)
    assert.equal((error['data'] as Record<string, unknown>)['status'], 503)
    assert.ok(
      stack.logLines.some((l) => l.includes(`model API ${stack.model.url} failed: answered HTTP 503`)),
      stack.logLines.join('\n'),
    )
    probe.close()
  })
})
