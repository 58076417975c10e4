// One server per data directory: a second server process on the same DATA_DIR refuses to
// start ("DATA_DIR ... in use by pid N") and touches nothing, while the first keeps serving
// its turn with its agent untouched. A lock left by a SIGKILLed server does not block the next.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { agentProcesses } from './helpers/processes.js'
import { runToExit } from './helpers/server-process.js'
import { ServerProcesses, slowReply } from './helpers/server-processes.js'
import { startStack } from './helpers/stack.js'
import { settingsFromEnv, startServer } from '../src/index.js'
import { lockDataDir } from '../src/event-log/data-dir-lock.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('one server per data directory', () => {
  let servers: ServerProcesses

  before(async () => {
    servers = await ServerProcesses.start('lock', {
      scripts: [{ match: { prompt: 'long task' }, replies: [slowReply('slow '.repeat(100), 40)] }],
    })
  })
  after(() => servers?.stop())

  it('refuses a second server, which touches nothing, while the first serves a turn', async () => {
    const { dataDir, dir, env } = servers
    const first = await servers.spawn()
    await api(first.url, 'POST', '/sessions', { id: 'busy' })
    const probe = await WsProbe.connect(`${first.wsBase}/sessions/busy/ws`)
    probe.prompt('long task')
    await probe.next(
      (f) =>
        (f.type === 'sdk_message' && sdkData(f).type === 'assistant') || (f.type === 'sdk_message' && sdkData(f).type === 'stream_event'),
    )
    const agents = agentProcesses(join(dataDir, 'sessions'))
    assert.ok(agents.length > 0, 'the first server runs an agent')
    const filesBefore = readdirSync(dataDir).sort()

    const second = await runToExit(env, dir)
    assert.notEqual(second.code, 0)
    assert.match(second.output, new RegExp(`DATA_DIR ${dataDir} in use by pid ${first.child.pid}`))
    assert.doesNotMatch(second.output, /killed .* agent process/)

    assert.deepEqual(agentProcesses(join(dataDir, 'sessions')), agents, "the first server's agents are untouched")
    assert.deepEqual(readdirSync(dataDir).sort(), filesBefore, 'nothing was created or removed')
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
    const third = await servers.spawn()
    assert.equal((await api(third.url, 'GET', '/sessions/busy')).status, 200)
    third.child.kill('SIGTERM')
    assert.equal(await third.exited, 0, third.output())
    // A graceful stop took the lock with it; the next start does not even see a stale pid file.
    const fourth = await servers.spawn()
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

  it('names the lock file when something else is in its place, and leaves it there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-lock-'))
    try {
      const lock = join(dir, 'server.lock')
      writeFileSync(lock, 'not a database, just some text an operator left here '.repeat(4))
      const before = readFileSync(lock)
      assert.throws(
        () => lockDataDir(dir),
        (err: Error) => err.message.startsWith(`${lock}: `) && /remove it/.test(err.message),
      )
      assert.ok(readFileSync(lock).equals(before), 'untouched')
      rmSync(lock)
      mkdirSync(lock)
      assert.throws(
        () => lockDataDir(dir),
        (err: Error) => err.message.startsWith(`${lock}: `),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
