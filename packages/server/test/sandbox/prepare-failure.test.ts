// A sandbox that cannot be prepared for a run (say the temp dir is full) fails that prompt,
// or the pre-warm of a client's session, with AGENT_START_FAILED; the session stays usable
// and the next prompt runs.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createLogger } from '../../src/logger.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'
import type { Sandbox, SandboxSpec } from '../../src/sandbox/sandbox.js'
import type { ServerSettings } from '../../src/settings.js'
import { sample, scrape } from '../helpers/metrics.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

/** The real bubblewrap sandbox, made to fail its next prepare() on demand. */
class FailingOnce implements Sandbox {
  readonly kind = 'bubblewrap' as const
  failNext = true
  constructor(private readonly inner: Sandbox) {}
  get limits() {
    return this.inner.limits
  }
  prepare(spec: SandboxSpec) {
    if (this.failNext) {
      this.failNext = false
      throw new Error('ENOSPC: no space left on device')
    }
    return this.inner.prepare(spec)
  }
  close() {
    return this.inner.close()
  }
}

const failingOnce = (settings: ServerSettings) =>
  new FailingOnce(BubblewrapSandbox.create({ dataDir: settings.dataDir, logger: createLogger({ level: 'silent' }) }))

describe('a sandbox that cannot be prepared', () => {
  const stacks: Stack[] = []
  after(async () => {
    for (const stack of stacks) await stack.close()
  })

  it('fails the prompt with AGENT_START_FAILED, then runs the next one', async () => {
    const stack = await startStack({
      scenario: { scripts: [say('second try', 'It runs now')] },
      settings: { prewarm: false },
      sandbox: failingOnce,
    })
    stacks.push(stack)
    const failures = async () => sample(await scrape(`${stack.url}/metrics`), 'claude_agent_sandbox_failures_total', { stage: 'prepare' })
    const before = await failures()
    const probe = await WsProbe.connect(stack.wsUrl)
    probe.prompt('first try')
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'AGENT_START_FAILED')
    assert.match(error['error'] as string, /sandbox .* could not be prepared: ENOSPC/)
    assert.equal(await failures(), before + 1, 'counted in claude_agent_sandbox_failures_total')

    const from = probe.frames.length
    probe.prompt('second try')
    const result = sdkData(await probe.result(from))
    assert.equal(result['result'], 'It runs now')
    probe.close()
  })

  it('reports a failed pre-warm on attach, keeps the connection, and runs the prompt', async () => {
    const stack = await startStack({
      scenario: { scripts: [say('after the pre-warm', 'It runs now')] },
      settings: { prewarm: true },
      sandbox: failingOnce,
    })
    stacks.push(stack)
    const probe = await WsProbe.connect(stack.wsUrl)
    const error = await probe.next((f) => f.type === 'error')
    assert.equal(error['code'], 'AGENT_START_FAILED')
    const from = probe.frames.length
    probe.prompt('after the pre-warm')
    const result = sdkData(await probe.result(from))
    assert.equal(result['result'], 'It runs now')
    probe.close()
  })
})
