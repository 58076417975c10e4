// ANTHROPIC_CUSTOM_HEADERS often carries a gateway's own credential (an auth header for an LLM
// proxy): in the bubblewrap sandbox it stays on the host with the key. The process inside
// does not hold it, and the model gateway adds the headers to every request it forwards,
// over whatever the client inside sent under the same names.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { secretValues } from '../../src/credentials.js'
import { createLogger } from '../../src/logger.js'
import { runInSandbox } from '../helpers/sandbox-run.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'
import { MODEL_PORT, splitEnv } from '../../src/sandbox/sandbox-env.js'

const GATEWAY_SECRET = 'corp-gateway-secret-0123456789'
const CUSTOM = `X-Corp-Auth: Bearer ${GATEWAY_SECRET}\r\nx-team:  research \n: no name\nbroken line`

describe('custom headers in the sandbox', () => {
  let dir: string
  let upstream: Server
  let sandbox: BubblewrapSandbox
  const seen: IncomingHttpHeaders[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-custom-headers-'))
    upstream = createServer((req, res) => {
      seen.push(req.headers)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    sandbox = BubblewrapSandbox.create({ dataDir: join(dir, 'data'), logger: createLogger({ level: 'silent' }) })
  })
  after(async () => {
    await sandbox.close()
    upstream.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps them out of the environment inside and hands them to the gateway, parsed as the CLI does', () => {
    const { inside, route } = splitEnv({ ANTHROPIC_API_KEY: 'sk-real-0123456789', ANTHROPIC_CUSTOM_HEADERS: CUSTOM })
    assert.equal(inside['ANTHROPIC_CUSTOM_HEADERS'], undefined)
    assert.ok(!JSON.stringify(inside).includes(GATEWAY_SECRET))
    assert.deepEqual(route?.headers, [
      ['X-Corp-Auth', `Bearer ${GATEWAY_SECRET}`],
      ['x-team', 'research'],
    ])
    assert.ok(secretValues({ ANTHROPIC_CUSTOM_HEADERS: CUSTOM }).includes(`Bearer ${GATEWAY_SECRET}`), 'scrubbed from every log line')
  })

  it('refuses a header HTTP cannot carry, naming it and not its value', () => {
    assert.throws(
      () => splitEnv({ ANTHROPIC_API_KEY: 'sk-real-0123456789', ANTHROPIC_CUSTOM_HEADERS: `Bad Name: ${GATEWAY_SECRET}` }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'SANDBOX_INVALID_SETTING')
        assert.match(err.message, /"Bad Name"/)
        assert.ok(!err.message.includes(GATEWAY_SECRET))
        return true
      },
    )
    assert.throws(() => splitEnv({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_CUSTOM_HEADERS: 'x-a: \u0001' }), { code: 'SANDBOX_INVALID_SETTING' })
  })

  it('adds them to what the gateway forwards, and nothing inside can read them', async () => {
    const cwd = join(dir, 'ws')
    const stateDir = join(dir, 'data', 'sessions', 's1')
    for (const d of [cwd, stateDir]) mkdirSync(d, { recursive: true })
    const run = sandbox.prepare({
      sessionId: 's1',
      cwd,
      stateDir,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: stateDir,
        ANTHROPIC_API_KEY: 'sk-real-0123456789',
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        ANTHROPIC_CUSTOM_HEADERS: CUSTOM,
      },
    })
    try {
      // The process dumps every environment it can see, then asks the gateway with its own
      // header of the same name.
      const script = [
        'env; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done 2>/dev/null',
        `exec 3<>/dev/tcp/127.0.0.1/${MODEL_PORT}`,
        `printf 'GET /v1/models HTTP/1.1\\r\\nHost: x\\r\\nX-Corp-Auth: forged\\r\\nConnection: close\\r\\n\\r\\n' >&3`,
        'timeout 10 head -n 1 <&3',
      ].join('; ')
      const { code, out } = await runInSandbox(run, cwd, script)
      assert.equal(code, 0, out)
      assert.match(out, /HTTP\/1\.1 200/, out)
      assert.ok(!out.includes(GATEWAY_SECRET), out)
      assert.equal(seen.length, 1)
      assert.equal(seen[0]!['x-corp-auth'], `Bearer ${GATEWAY_SECRET}`)
      assert.equal(seen[0]!['x-team'], 'research')
      assert.equal(seen[0]!['x-api-key'], 'sk-real-0123456789')
    } finally {
      await run.close()
    }
  })
})
