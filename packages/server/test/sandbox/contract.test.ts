// What every Sandbox must do, run against each implementation: a wrapped command runs in the
// session's cwd with the run's environment, its stdin, stdout and exit status pass through,
// it can write its cwd and state directory, and closing is safe to repeat.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../../src/logger.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'
import { NoSandbox } from '../../src/sandbox/none.js'
import type { Sandbox, SandboxRun } from '../../src/sandbox/sandbox.js'

const logger = createLogger({ level: 'silent' })

const providers: Array<{ name: string; create: (dataDir: string) => Sandbox }> = [
  { name: 'none', create: () => new NoSandbox(logger) },
  { name: 'bubblewrap', create: (dataDir) => BubblewrapSandbox.create({ dataDir, logger }) },
]

function run(sandboxRun: SandboxRun, cwd: string, script: string, stdin = ''): Promise<{ code: number | null; out: string }> {
  const { command, args, fds = [] } = sandboxRun.wrap('/bin/sh', ['-c', script])
  const child = spawn(command, args, { cwd, env: { ...sandboxRun.env, MARK: 'marked' }, stdio: ['pipe', 'pipe', 'pipe', ...fds] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  child.stdin!.on('error', () => undefined) // a command that does not read may exit first (EPIPE)
  child.stdin!.end(stdin)
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })))
}

for (const provider of providers) {
  describe(`Sandbox contract: ${provider.name}`, () => {
    let dir: string
    let sandbox: Sandbox
    let sandboxRun: SandboxRun
    let cwd: string
    let stateDir: string

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cas-contract-'))
      cwd = join(dir, 'workspace')
      stateDir = join(dir, 'data', 'sessions', 's1')
      for (const d of [cwd, stateDir]) mkdirSync(d, { recursive: true })
      sandbox = provider.create(join(dir, 'data'))
      sandboxRun = sandbox.prepare({
        sessionId: 's1',
        cwd,
        stateDir,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: stateDir },
      })
    })
    after(async () => {
      await sandbox.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`is a ${provider.name} sandbox`, () => {
      assert.equal(sandbox.kind, provider.name)
    })

    it("runs the command in the cwd with the run's environment, passing stdin and stdout", async () => {
      const result = await run(sandboxRun, cwd, 'pwd; echo "$MARK"; cat', 'from stdin')
      assert.equal(result.code, 0, result.out)
      assert.deepEqual(result.out.split('\n'), [cwd, 'marked', 'from stdin'])
    })

    it('passes the exit status through', async () => {
      assert.equal((await run(sandboxRun, cwd, 'exit 7')).code, 7)
    })

    it('lets the command write its cwd and state directory, visible on the host', async () => {
      const result = await run(sandboxRun, cwd, `echo in-cwd > made.txt && echo in-state > ${stateDir}/state.txt`)
      assert.equal(result.code, 0, result.out)
      assert.equal(readFileSync(join(cwd, 'made.txt'), 'utf8'), 'in-cwd\n')
      assert.equal(readFileSync(join(stateDir, 'state.txt'), 'utf8'), 'in-state\n')
    })

    it('closes a run more than once without harm', async () => {
      const extra = sandbox.prepare({ sessionId: 's2', cwd, stateDir, env: { PATH: '/usr/bin:/bin' } })
      await extra.close()
      await extra.close()
    })
  })
}
