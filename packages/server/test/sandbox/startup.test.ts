// The real main.js: bubblewrap missing stops the start with a message naming the package;
// `--sandbox none` starts, warns that nothing is isolated, and serves turns.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MAIN, spawnServer, type ServerProcess } from '../helpers/server-process.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

describe('sandbox choice at start-up (the real main.js)', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-startup-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }))

  it('refuses to start without bubblewrap, naming the package to install', async () => {
    // No bwrap on this PATH (main.js itself is started by absolute path).
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: { PATH: join(dir, 'empty-bin'), HOME: dir, DATA_DIR: join(dir, 'data'), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, 1)
    assert.match(output, /failed to start: bubblewrap is not installed/)
    assert.match(output, /`bubblewrap`/)
    assert.match(output, /--sandbox none/)
    assert.doesNotMatch(output, /listening on/)
  })

  describe('--sandbox none', () => {
    let server: ServerProcess
    before(async () => {
      server = await spawnServer({ HOME: dir, DATA_DIR: join(dir, 'data-none') }, dir, ['--sandbox', 'none'])
    })
    after(async () => {
      // Gracefully: unsandboxed, a CLI orphaned by SIGKILL would go on writing into the temp dir.
      server.child.kill('SIGTERM')
      await server.exited
    })

    it('warns that nothing is isolated', () => {
      assert.match(server.output(), /Sandbox disabled \(--sandbox none\)/)
    })

    it('still serves turns', async () => {
      const probe = await WsProbe.connect(`${server.wsBase}/ws`)
      probe.prompt('hello')
      const result = sdkData(await probe.result())
      assert.equal(result['is_error'], false)
      probe.close()
    })
  })
})
