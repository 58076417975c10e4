// One server per data directory: a second server process on the same DATA_DIR refuses to
// start ("DATA_DIR ... in use by pid N") and touches nothing, while the first keeps serving
// its turn with its agent untouched. A lock left by a SIGKILLed server does not block the next.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { api } from './helpers/http.js'
import { agentProcesses } from './helpers/processes.js'
import { MAIN, spawnServer, type ServerProcess } from './helpers/server-process.js'
import { TEST_API_KEY, startStack } from './helpers/stack.js'
import { settingsFromEnv, startServer } from '../src/index.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

/** Runs the server entry point to its exit; it is expected not to start. */
function runToExit(env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = ''
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.once('exit', (code) => resolve({ code, output }))
  })
}

describe('one server per data directory', () => {
  let model: Awaited<ReturnType<typeof startScriptedModel>>
  let dir: string
  let env: Record<string, string>
  const servers: ServerProcess[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-lock-'))
    const slow = { content: [{ type: 'text' as const, text: 'slow '.repeat(100) }], chunkSize: 5, chunkDelayMs: 40 }
    model = await startScriptedModel({ scenario: { scripts: [{ match: { prompt: 'long task' }, replies: [slow] }] } })
    env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
    }
  })
  after(async () => {
    for (const s of servers) s.child.kill('SIGKILL')
    await model.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('refuses a second server, which touches nothing, while the first serves a turn', async () => {
    const first = await spawnServer(env, dir)
    servers.push(first)
    await api(first.url, 'POST', '/sessions', { id: 'busy' })
    const probe = await WsProbe.connect(`${first.wsBase}/sessions/busy/ws`)
    probe.prompt('long task')
    await probe.next(
      (f) =>
        (f.type === 'sdk_message' && sdkData(f).type === 'assistant') || (f.type === 'sdk_message' && sdkData(f).type === 'stream_event'),
    )
    const agents = agentProcesses(join(dir, 'data', 'sessions'))
    assert.ok(agents.length > 0, 'the first server runs an agent')
    const filesBefore = readdirSync(join(dir, 'data')).sort()

    const second = await runToExit(env, dir)
    assert.notEqual(second.code, 0)
    assert.match(second.output, new RegExp(`DATA_DIR ${join(dir, 'data')} in use by pid ${first.child.pid}`))
    assert.doesNotMatch(second.output, /killed .* agent process/)

    assert.deepEqual(agentProcesses(join(dir, 'data', 'sessions')), agents, "the first server's agents are untouched")
    assert.deepEqual(readdirSync(join(dir, 'data')).sort(), filesBefore, 'nothing was created or removed')
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false, 'the first server finished its turn')
    const events = (await api(first.url, 'GET', '/sessions/busy/events')).body['events'] as Array<{ seq: number }>
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: events.length }, (_, i) => i + 1),
    )
    probe.close()

    // SIGKILL leaves the pid file behind; the lock itself died with the process.
    first.child.kill('SIGKILL')
    await first.exited
    const third = await spawnServer(env, dir)
    servers.push(third)
    assert.equal((await api(third.url, 'GET', '/sessions/busy')).status, 200)
    third.child.kill('SIGTERM')
    assert.equal(await third.exited, 0, third.output())
    // A graceful stop took the lock with it; the next start does not even see a stale pid file.
    const fourth = await spawnServer(env, dir)
    servers.push(fourth)
    // A request first: main.ts installs its signal handlers just after the "listening" line.
    assert.equal((await api(fourth.url, 'GET', '/sessions/busy')).status, 200)
    fourth.child.kill('SIGTERM')
    assert.equal(await fourth.exited, 0, fourth.output())
  })

  it('refuses a second in-process server on the same data directory', async () => {
    const stack = await startStack()
    try {
      const settings = { ...settingsFromEnv({ DATA_DIR: join(stack.dir, 'data'), WORKSPACE_DIR: join(stack.dir, 'other') }), port: 0 }
      await assert.rejects(startServer({ settings }), new RegExp(`DATA_DIR ${join(stack.dir, 'data')} in use by pid ${process.pid}`))
      assert.equal((await api(stack.url, 'GET', '/sessions/default')).status, 200)
    } finally {
      await stack.close()
    }
  })
})
