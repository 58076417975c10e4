// A database that does not answer (every query hangs; nothing is refused) held the node's
// renewal, and with it every later tick: the check that stops a node's sessions once it went
// a lease without renewing ran only when a tick started, so the node's CLIs ran on past their
// leases while another node could take the sessions over. A real PostgreSQL SIGSTOPped under
// one real node running a turn: the session stops there within about a lease, its client is
// told LEASE_LOST, and once the database answers again the node serves the session again.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS } from '../helpers/principals.js'
import { agentProcesses } from '../helpers/processes.js'
import { slowReply } from '../helpers/server-processes.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

const LEASE_MS = 1500
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ann = { authorization: `Bearer ${PRINCIPALS.ann.token}` }

let postgres: PostgresServer
let stack: Stack

before(async () => {
  postgres = await startPostgres()
  const node = clusterNode('a', await postgres.database(), {
    // Far longer than the test waits: only the lost lease ends it.
    scenario: { scripts: [say('ping', 'pong'), { match: { prompt: 'long task' }, replies: [slowReply('slow '.repeat(4000))] }] },
  })
  stack = await startStack({ ...node, settings: { ...node.settings, cluster: { nodeId: 'a', leaseMs: LEASE_MS, maxSessions: 8 } } })
})
after(async () => {
  postgres?.unpause()
  await stack?.close()
  await postgres?.stop()
})

const waitFor = async (what: string, check: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('a database that stops answering under a node', () => {
  it("stops the node's session within about a lease, and serves it again once the database answers", async () => {
    const created = await as(stack, 'ann', 'POST', '/sessions', { id: 'stalled' })
    assert.equal(created.status, 201, created.text)
    const stateDir = join(stack.settings.dataDir, 'sessions', 'stalled')
    const probe = await WsProbe.connect(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/stalled/ws`, { headers: ann })
    probe.prompt('long task')
    await probe.next((f) => f.type === 'session_state' && f['state'] === 'running')
    await waitFor('the turn to reach the model', () => stack.model.requests.some((r) => r.kind === 'turn'))
    assert.ok(agentProcesses(stateDir).length > 0, 'the CLI runs')

    postgres.pause()
    try {
      const lost = await probe.next((f) => f.type === 'error' && f['code'] === 'LEASE_LOST', { timeoutMs: 20 * LEASE_MS })
      assert.match(String(lost['error']), /moved to another node/)
      await waitFor('the CLI to exit while the database is still paused', () => agentProcesses(stateDir).length === 0)
    } finally {
      postgres.unpause()
    }

    await waitFor('the session to be served again', async () => (await as(stack, 'ann', 'GET', '/sessions/stalled')).status === 200)
    let again: WsProbe | undefined
    await waitFor('a socket to attach', async () => {
      again = await WsProbe.connect(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/stalled/ws`, { headers: ann }).catch(() => undefined)
      return again !== undefined
    })
    assert.equal(await again!.ask('ping'), 'pong')
    again!.close()
    probe.close()
  })
})
