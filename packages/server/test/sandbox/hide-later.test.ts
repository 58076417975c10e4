// SANDBOX_HIDE names paths to keep from the agent. One that appears only after the server
// started (a secrets directory mounted later, a key file written by another service) is
// hidden from the next process on: the hidden paths are resolved at each start, not once.
// One missing at start is said in the log, as it is not hidden yet.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../../src/logger.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'

describe('paths to hide that appear after the start', () => {
  let dir: string
  const logged: string[] = []

  before(() => {
    // Not under /tmp (always hidden): the test needs a path the sandbox would otherwise show.
    dir = mkdtempSync(join(realpathSync(process.cwd()), '.cas-hide-later-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('hides a SANDBOX_HIDE path made after the sandbox was set up, and says at start that it was missing', async () => {
    const secrets = join(dir, 'secrets')
    const logger = createLogger({ level: 'warn', format: 'json', write: (line) => logged.push(line) })
    const sandbox = BubblewrapSandbox.create({ dataDir: join(dir, 'data'), logger, hide: [secrets] })
    assert.ok(
      logged.some((l) => l.includes(secrets) && /does not exist/.test(l)),
      `a warning names the missing path: ${logged.join('\n')}`,
    )
    mkdirSync(secrets)
    writeFileSync(join(secrets, 'key'), 'later-secret')
    const cwd = join(dir, 'ws')
    const stateDir = join(dir, 'data', 'sessions', 's1')
    for (const d of [cwd, stateDir]) mkdirSync(d, { recursive: true })
    const run = sandbox.prepare({ sessionId: 's1', cwd, stateDir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: stateDir } })
    try {
      const { command, args, fds = [] } = run.wrap('/bin/sh', ['-c', `cat ${secrets}/key 2>&1; ls -A ${secrets}`])
      const child = spawn(command, args, { cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe', ...fds] })
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      child.stderr!.on('data', (d) => (out += d))
      await new Promise((resolve) => child.on('close', resolve))
      assert.ok(!out.includes('later-secret'), out)
      assert.match(out, /No such file or directory/)
    } finally {
      await run.close()
      await sandbox.close()
    }
  })
})
