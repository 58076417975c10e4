// A host service on loopback that the allow-list names twice (`localhost:<port>` and
// `127.0.0.1:<port>`, as a careless operator may) is mirrored into the sandbox once: the
// launcher listened on the same address twice, failed with EADDRINUSE, and so every CLI and
// every command of every session failed to start. And one the sandbox cannot listen on (a port
// below 1024, as ANTHROPIC_BASE_URL=http://localhost makes the model API's) is left out with a
// warning: the launcher exited on it, and again no CLI could start.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../../src/logger.js'
import { runInSandbox } from '../helpers/sandbox-run.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'

describe('loopback services named more than once in the allow-list', () => {
  let dir: string
  let service: Server
  let port = 0

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-mirror-'))
    service = createServer((_req, res) => res.end('host service'))
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r))
    port = (service.address() as AddressInfo).port
  })
  after(() => {
    service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('mirrors the service once, and the sandbox runs', async () => {
    const sandbox = BubblewrapSandbox.create({
      dataDir: join(dir, 'data'),
      logger: createLogger({ level: 'silent' }),
      allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`, 'localhost:80'],
    })
    const cwd = join(dir, 'ws')
    const stateDir = join(dir, 'data', 'sessions', 's1')
    for (const d of [cwd, stateDir]) mkdirSync(d, { recursive: true })
    const run = sandbox.prepare({ sessionId: 's1', cwd, stateDir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: stateDir } })
    try {
      const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >&3; timeout 10 cat <&3`
      const { code, out } = await runInSandbox(run, cwd, script)
      assert.equal(code, 0, out)
      assert.match(out, /host service/)
      // Without the capability to bind a low port (dropped), it is named, not fatal.
      if (out.includes('127.0.0.1:80')) assert.match(out, /not mirrored/)
    } finally {
      await run.close()
      await sandbox.close()
    }
  })
})
