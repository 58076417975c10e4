// Ctrl-C in a terminal: the terminal sends SIGINT to the whole foreground process group. The
// server must shut down as on SIGTERM (the running turn gets its grace), and a second Ctrl-C
// forces. The real main.js runs in its own process group here, as under a terminal.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { TEST_API_KEY } from './helpers/stack.js'
import { agentProcesses } from './helpers/processes.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const slowReply = (prompt: string, text: string, delayMs: number) => ({
  match: { prompt },
  replies: [{ delayMs, content: [{ type: 'text' as const, text }] }],
})

const isRequesting = (f: Frame) => f.type === 'sdk_message' && sdkData(f)['subtype'] === 'status' && sdkData(f)['status'] === 'requesting'

async function waitForOutput(server: ServerProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(server.output())) {
    await new Promise<void>((resolve) => server.child.stdout!.once('data', () => resolve()))
  }
}

describe('Ctrl-C (SIGINT to the process group) on the real main.js', () => {
  let model: Awaited<ReturnType<typeof startScriptedModel>>
  let dir: string
  let server: ServerProcess | undefined

  before(async () => {
    model = await startScriptedModel({
      scenario: { scripts: [slowReply('finish me', 'finished in grace', 1_500), slowReply('never finish', 'too late', 120_000)] },
    })
  })
  afterEach(() => {
    server?.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })
  after(() => model.close())

  async function start(): Promise<ServerProcess> {
    dir = mkdtempSync(join(tmpdir(), 'cas-sigint-'))
    const env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      SHUTDOWN_GRACE_MS: '120000',
      PREWARM: '0',
    }
    server = await spawnServer(env, dir, [], { detached: true })
    return server
  }

  it('lets the running turn finish, then exits 0', async () => {
    const s = await start()
    const probe = await WsProbe.connect(`${s.wsBase}/ws`)
    probe.prompt('finish me')
    await probe.next(isRequesting)
    process.kill(-s.child.pid!, 'SIGINT')
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false, JSON.stringify(result))
    assert.equal(result['result'], 'finished in grace')
    assert.equal(await s.exited, 0, s.output())
    assert.match(s.output(), /SIGINT: shutting down/)
    assert.ok(!probe.frames.some((f) => f.type === 'error'), probe.summary())
  })

  it('a second SIGINT forces: the server exits 130 and leaves no agent process', async () => {
    const s = await start()
    const probe = await WsProbe.connect(`${s.wsBase}/ws`)
    probe.prompt('never finish')
    await probe.next(isRequesting)
    process.kill(-s.child.pid!, 'SIGINT')
    await waitForOutput(s, /SIGINT: shutting down/)
    assert.notEqual(agentProcesses(join(dir, 'data', 'sessions')).length, 0, 'the first SIGINT must not kill the agent')
    process.kill(-s.child.pid!, 'SIGINT')
    assert.equal(await s.exited, 130, s.output())
    assert.match(s.output(), /SIGINT again: stopping now/)
    // SIGKILLed processes leave /proc a moment later (the kernel tears them down, then init reaps them).
    const sessionsDir = join(dir, 'data', 'sessions')
    for (let i = 0; i < 100 && agentProcesses(sessionsDir).length > 0; i++) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(agentProcesses(sessionsDir), [])
    probe.close()
  })
})
