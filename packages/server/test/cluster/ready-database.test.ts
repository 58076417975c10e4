// /ready on the probe port of a cluster node says not ready while the real PostgreSQL it runs
// on is down (stopped, not paused: connections are refused) and ready again once it is back;
// the authenticated /ready names the database without its password.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { startStack, type Stack } from '../helpers/stack.js'

const token = 'ready-db-token-0123456789abcdef'
const PASSWORD = 'db-password-never-shown-42'

interface Ready {
  status: number
  body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }
  text: string
}

let postgres: PostgresServer
let stack: Stack
let halted = false

before(async () => {
  postgres = await startPostgres()
  // The test cluster trusts every local connection: the password is there to be kept secret.
  const url = new URL(await postgres.database())
  url.password = PASSWORD
  stack = await startStack({
    settings: {
      prewarm: false,
      metricsPort: 0,
      authTokens: [{ label: 'ops', token }],
      databaseUrl: url.toString(),
      cluster: { nodeId: 'a', leaseMs: 15_000, maxSessions: 64 },
    },
  })
})
after(async () => {
  if (halted) postgres.resume()
  await stack?.close()
  await postgres?.stop()
})

async function probe(): Promise<Ready> {
  const res = await fetch(`http://127.0.0.1:${stack.server.metricsPort as number}/ready`)
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) as Ready['body'], text }
}

/** Polls the probe port until `want` holds (the database's result is cached ~2 s), bounded. */
async function readyUntil(want: (r: Ready) => boolean): Promise<Ready> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const r = await probe()
    if (want(r)) return r
    if (Date.now() > deadline) throw new Error(`/ready never became as expected: ${r.text}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('/ready and the PostgreSQL the node runs on', () => {
  it('is ready with the database checked, not ready while it is down, and ready again once it is back', async () => {
    const up = await readyUntil((r) => r.status === 200)
    assert.deepEqual(up.body.checks['database'], { ok: true })

    postgres.halt()
    halted = true
    const down = await readyUntil((r) => r.status !== 200)
    assert.equal(down.status, 503)
    assert.deepEqual(down.body.checks['database'], { ok: false }, 'the probe port gives no detail')
    const full = await fetch(`${stack.url}/ready`, { headers: { authorization: `Bearer ${token}` } })
    const text = await full.text()
    assert.equal(full.status, 503)
    assert.match(text, /PostgreSQL at 127\.0\.0\.1:\d+\/test_\w+ does not answer/)
    assert.ok(!text.includes(PASSWORD), 'the password is never shown')

    postgres.resume()
    halted = false
    const back = await readyUntil((r) => r.status === 200)
    assert.deepEqual(back.body.checks['database'], { ok: true })
  })
})
