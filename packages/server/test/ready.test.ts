// GET /ready: 200 while the data directory takes writes, the sandbox starts and the model
// endpoint answers; 503 naming the failing check when the data directory is made read-only (a
// read-only bind mount: root ignores file modes) or the model endpoint is down; 200 again after.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freePort } from './helpers/ports.js'
import { startStack, TEST_API_KEY, type Stack } from './helpers/stack.js'

interface Ready {
  status: number
  body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }
}

async function ready(stack: Stack): Promise<Ready> {
  const res = await fetch(`${stack.url}/ready`)
  return { status: res.status, body: (await res.json()) as Ready['body'] }
}

/** Polls until `want` holds (results are cached a few seconds), bounded. */
async function readyUntil(stack: Stack, want: (r: Ready) => boolean): Promise<Ready> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const r = await ready(stack)
    if (want(r)) return r
    if (Date.now() > deadline) throw new Error(`/ready never became as expected: ${JSON.stringify(r)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

describe('GET /ready', () => {
  let stack: Stack
  let dataDir: string
  let mounted = false
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
    dataDir = join(stack.dir, 'data')
  })
  after(async () => {
    if (mounted) execFileSync('umount', [dataDir])
    await stack?.close()
  })

  it('passes with every check named', async () => {
    const r = await ready(stack)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.ok, true)
    assert.deepEqual(Object.keys(r.body.checks).sort(), ['dataDir', 'model', 'sandbox'])
    assert.ok(Object.values(r.body.checks).every((c) => c.ok))
  })

  it('fails with 503 naming dataDir while the data directory is read-only, and passes again after', async () => {
    execFileSync('mount', ['--bind', dataDir, dataDir])
    mounted = true
    execFileSync('mount', ['-o', 'remount,ro,bind', dataDir])
    const failing = await readyUntil(stack, (r) => r.status !== 200)
    assert.equal(failing.status, 503)
    assert.equal(failing.body.ok, false)
    assert.equal(failing.body.checks['dataDir']?.ok, false)
    assert.match(failing.body.checks['dataDir']?.detail ?? '', /read-only|EROFS/i)
    assert.equal(failing.body.checks['sandbox']?.ok, true, 'only the failing check fails')
    assert.equal((await fetch(`${stack.url}/health`)).status, 200, 'alive, only not ready')

    execFileSync('mount', ['-o', 'remount,rw,bind', dataDir])
    execFileSync('umount', [dataDir])
    mounted = false
    const passing = await readyUntil(stack, (r) => r.status === 200)
    assert.equal(passing.body.checks['dataDir']?.ok, true)
  })
})

describe('GET /ready with the model endpoint down', () => {
  let stack: Stack
  let endpoint: string
  before(async () => {
    endpoint = `http://127.0.0.1:${await freePort()}`
    stack = await startStack({
      settings: { prewarm: false },
      agentVars: () => ({ ANTHROPIC_BASE_URL: endpoint, ANTHROPIC_API_KEY: TEST_API_KEY }),
    })
  })
  after(() => stack?.close())

  it('fails with 503 naming the model check and the endpoint', async () => {
    const r = await ready(stack)
    assert.equal(r.status, 503)
    assert.equal(r.body.checks['model']?.ok, false)
    assert.ok(r.body.checks['model']?.detail?.includes(new URL(endpoint).host), r.body.checks['model']?.detail)
    assert.equal(r.body.checks['dataDir']?.ok, true)
  })
})
