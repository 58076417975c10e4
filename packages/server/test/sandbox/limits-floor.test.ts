// Where no cgroup can be made, rlimits per process are the floor and the start-up log says
// what is and is not enforced; groups a killed server left are removed at the next start; a
// config's limits are validated, and raising one above the server's default is flagged.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DEFAULT_LIMITS, raisedLimits, raisesLimits, resolveLimits } from '../../src/sandbox/limits.js'
import { SettingsError, sessionLimitsFrom } from '../../src/settings.js'
import { call, exec } from '../files/helpers.js'
import { startStack } from '../helpers/stack.js'

describe('the rlimit floor', () => {
  const empty = mkdtempSync(join(tmpdir(), 'cas-no-cgroups-'))
  after(() => rmSync(empty, { recursive: true, force: true }))

  it('sets RLIMIT_DATA and RLIMIT_FSIZE, and says at start that process count and CPU are not enforced', async () => {
    const stack = await startStack({
      settings: {
        cgroupRoot: empty,
        sessionLimits: { memoryBytes: 768 * 1024 ** 2, pids: 100, cpuWeight: 100, workspaceBytes: 64 * 1024 ** 2 },
      },
    })
    try {
      const line = stack.logLines.find((l) => l.includes('limits per session:'))
      assert.match(line ?? '', /^warn .*"msg":"limits per session: no cgroup \(no cgroup v2 at .* and no v1 memory or pids hierarchy\)/)
      assert.match(
        line ?? '',
        /memory \(RLIMIT_DATA\) 768 MiB, file size \(RLIMIT_FSIZE\) 64 MiB; process count and CPU share are NOT enforced/,
      )
      const run = await exec(stack.url, 'default', { command: 'ulimit -d; ulimit -f; cat /proc/self/cgroup | grep pids', shell: true })
      assert.equal(run.exit?.['code'], 0, JSON.stringify(run))
      const [data, blocks] = run.stdout.split('\n')
      assert.equal(Number(data), 768 * 1024)
      // bash counts -f in 1024-byte blocks.
      assert.equal(Number(blocks), 64 * 1024)
      assert.match(run.stdout, /pids:\/\n/)
      const info = await call(stack.url, 'GET', '/sessions/default')
      assert.equal((info.body['session'] as { usage: { enforcement: string } }).usage.enforcement, 'rlimit')
    } finally {
      await stack.close()
    }
  })
})

const v1 = existsSync('/sys/fs/cgroup/pids/cgroup.procs') && existsSync('/sys/fs/cgroup/memory/cgroup.procs')

describe('stale groups', { skip: !v1 && 'no cgroup v1 here' }, () => {
  it("kills and removes a dead server's groups at start", async () => {
    // No pid is this high (the kernel's maximum is 4194304): the server that made it is gone.
    const stale = ['memory', 'pids'].map((c) => `/sys/fs/cgroup/${c}/claude-agent/4999999-deadbeef/s1`)
    for (const dir of stale) mkdirSync(dir, { recursive: true })
    const left = spawn('sleep', ['300'], { stdio: 'ignore' })
    try {
      await new Promise((resolve) => left.once('spawn', resolve))
      writeFileSync(join(stale[1]!, 'cgroup.procs'), String(left.pid))
      const exited = new Promise((resolve) => left.once('exit', (_code, signal) => resolve(signal)))
      const stack = await startStack()
      await stack.close()
      assert.equal(await exited, 'SIGKILL')
      for (const dir of stale) assert.equal(existsSync(join(dir, '..')), false, `${dir} is still there`)
    } finally {
      left.kill('SIGKILL')
      for (const dir of stale) for (const d of [dir, join(dir, '..')]) rmSync(d, { recursive: false, force: true })
    }
  })
})

describe('limits in a config', () => {
  it('resolves sizes and keeps the defaults for what it does not set', () => {
    assert.deepEqual(resolveLimits({ limits: { memory: '512MiB', pids: 64 } }, DEFAULT_LIMITS), {
      ...DEFAULT_LIMITS,
      memoryBytes: 512 * 1024 ** 2,
      pids: 64,
    })
  })

  it('says which limits a config raises above the defaults (lowering is anyone’s)', () => {
    assert.equal(raisesLimits({ limits: { memory: '1GiB', pids: 8 } }, DEFAULT_LIMITS), false)
    assert.equal(raisesLimits({}, DEFAULT_LIMITS), false)
    assert.deepEqual(raisedLimits({ limits: { memory: '8GiB', cpuWeight: 100, workspace: 2 * 1024 ** 3 } }, DEFAULT_LIMITS), [
      'memoryBytes',
      'workspaceBytes',
    ])
  })

  it('refuses a bad limit in a session config with the field named', async () => {
    const stack = await startStack()
    try {
      for (const limits of [{ memory: 'lots' }, { pids: 0 }, { cpuWeight: 20_000 }, { memory: -1 }, { disk: 5 }]) {
        const res = await call(stack.url, 'POST', '/sessions', JSON.stringify({ config: { limits } }))
        assert.equal(res.status, 400, JSON.stringify(limits))
        assert.match(JSON.stringify(res.body['data']), /config\.limits/)
      }
    } finally {
      await stack.close()
    }
  })

  it('refuses a bad server setting, naming it', () => {
    assert.throws(
      () => sessionLimitsFrom({ SESSION_MEMORY_LIMIT: '2 gigs' }),
      (err: Error) => err instanceof SettingsError && /SESSION_MEMORY_LIMIT/.test(err.message),
    )
    assert.throws(() => sessionLimitsFrom({ SESSION_CPU_WEIGHT: '0' }), /SESSION_CPU_WEIGHT/)
    assert.throws(() => sessionLimitsFrom({ SESSION_PIDS_LIMIT: '3' }), /SESSION_PIDS_LIMIT/)
    assert.deepEqual(sessionLimitsFrom({ SESSION_MEMORY_LIMIT: '1.5G', SESSION_WORKSPACE_LIMIT: '100MB' }), {
      ...DEFAULT_LIMITS,
      memoryBytes: 1.5 * 1024 ** 3,
      workspaceBytes: 100 * 1000 ** 2,
    })
  })
})
