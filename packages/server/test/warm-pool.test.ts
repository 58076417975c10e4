// The warm pool: a new session with the default config gets a CLI that was already running in
// its sandbox (its pid, its reserved id and state directory), answers a turn with it, and the
// pool refills behind it; a session with an id, a config or a posted key gets none of them.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { WarmPool } from '../src/sessions/warm-pool.js'
import { api } from './helpers/http.js'
import { cliProcess } from './helpers/processes.js'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('the warm pool', () => {
  let stack: Stack
  let pool: WarmPool

  before(async () => {
    stack = await startStack({ scenario: { scripts: [say('hello pool', 'pooled answer')] }, settings: { warmPoolSize: 1 } })
    assert.ok(stack.server.sessions.pool, 'WARM_POOL_SIZE 1 makes a pool')
    pool = stack.server.sessions.pool
    await pool.whenFull()
  })
  after(() => stack?.close())

  it('hands a new default session the CLI it had running, which answers a turn; then refills', async () => {
    const [pooledPid] = pool.pids
    assert.ok(pooledPid, 'a CLI is running in the pool')
    const created = await api(stack.url, 'POST', '/sessions', {})
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body['session']['id'] as string
    assert.equal(created.body['session']['state'], 'idle', 'its CLI runs from the start')
    const run = (await api(stack.url, 'GET', `/sessions/${id}`)).body['session']['run']
    assert.equal(run.pid, pooledPid, 'the pooled CLI, not a new one')

    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`)
    try {
      probe.prompt('hello pool')
      const result = sdkData(await probe.result())
      assert.equal(result['result'], 'pooled answer')
      assert.equal(result['session_id'], created.body['session']['conversationId'])
      // The CLI's state directory is the session's own. Looked for once it has answered: the
      // pool counts a CLI from its spawn, and inside bwrap it may not have started yet.
      assert.ok(cliProcess(stack.server.sessions.stateDir(id)).env['HOME']!.startsWith(stack.server.sessions.stateDir(id)))
      assert.equal((await api(stack.url, 'GET', `/sessions/${id}`)).body['session']['run'].pid, pooledPid, 'still the pooled CLI')
    } finally {
      probe.close()
    }
    await pool.whenFull()
    assert.equal(pool.size, 1)
    assert.notEqual(pool.pids[0], pooledPid, 'a fresh CLI refills the pool')
  })

  for (const [what, body] of [
    ['an id of its own', { id: 'named-one' }],
    ['a config', { config: { model: 'claude-test-model' } }],
    ['a posted key', { config: { anthropicApiKey: 'sk-ant-posted-key-not-for-the-pool' } }],
  ] as const) {
    it(`gives a session with ${what} no pooled CLI`, async () => {
      await pool.whenFull()
      const pooledPid = pool.pids[0]
      const created = await api(stack.url, 'POST', '/sessions', body)
      assert.equal(created.status, 201, JSON.stringify(created.body))
      assert.equal(created.body['session']['state'], 'suspended', 'no CLI until a client or a prompt starts one')
      const run = (await api(stack.url, 'GET', `/sessions/${created.body['session']['id']}`)).body['session']['run']
      assert.equal(run, null)
      assert.deepEqual(pool.pids, [pooledPid], 'the pool kept its CLI')
    })
  }

  it('stops its CLIs and removes their directories on shutdown', async () => {
    await pool.whenFull()
    const [pid] = pool.pids
    const dir = stack.server.sessions.pool!.stateDirs[0]!
    assert.ok(existsSync(dir))
    await stack.server.close()
    assert.equal(pool.size, 0)
    assert.throws(() => process.kill(pid!, 0), 'the pooled CLI is gone')
    assert.ok(!existsSync(dir), 'its state directory is removed')
  })
})
