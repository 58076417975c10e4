// Three real server processes (dist/main.js) sharing one real PostgreSQL and one DATA_DIR, the
// real CLI in its sandbox against the scripted model: sessions spread over the nodes; a client
// on B drives a session A owns; A SIGKILLed mid-turn and its session served by another node,
// replay gap-free and the conversation resumed; a node SIGSTOPped until its lease moved writes
// nothing once it runs again; SIGTERM hands a node's sessions on.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import type { ScriptedModel } from '@claude-agent/scripted-model'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { api } from '../helpers/http.js'
import { agentProcesses } from '../helpers/processes.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import type { ServerProcess } from '../helpers/server-process.js'
import { REMEMBER_ADA, ServerProcesses, slowReply } from '../helpers/server-processes.js'
import { WsProbe, type Frame } from '../helpers/ws-probe.js'

const LEASE_MS = 3000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a cluster of three servers', () => {
  let postgres: PostgresServer
  let db: pg.Pool
  let servers: ServerProcesses
  let model: ScriptedModel
  const nodes: Record<string, ServerProcess> = {}

  before(async () => {
    postgres = await startPostgres()
    const databaseUrl = await postgres.database()
    db = new pg.Pool({ connectionString: databaseUrl })
    const ping = { match: { prompt: 'ping' }, repeat: true, replies: [{ content: [{ type: 'text' as const, text: 'pong' }] }] }
    // Its own slow answer: REMEMBER_ADA's long task is used up by the SIGKILL test, and a quick
    // default answer could end the turn before the SIGSTOP lands.
    const slow = { match: { prompt: 'a slow task' }, repeat: true, replies: [slowReply('slow '.repeat(200))] }
    servers = await ServerProcesses.start(
      'cluster',
      { scripts: [...REMEMBER_ADA, ping, slow] },
      { DATABASE_URL: databaseUrl, CLUSTER_LEASE_MS: String(LEASE_MS), SHUTDOWN_GRACE_MS: '20000', PREWARM: '0' },
    )
    model = servers.model
    for (const id of ['a', 'b', 'c']) nodes[id] = await servers.spawn({ CLUSTER_NODE_ID: id })
  })
  after(async () => {
    await db?.end()
    await servers?.stop()
    await postgres?.stop()
  })

  /** The node holding the session's live lease. */
  const ownerOf = async (id: string): Promise<string | undefined> =>
    (await db.query<{ node: string }>('SELECT node FROM session_leases WHERE session_id = $1 AND expires_at > now()', [id])).rows[0]?.node
  /** Creates the session on `node` itself (the hop header: no placement). */
  const createOn = async (node: string, id: string) => {
    const res = await fetch(`${nodes[node]!.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HOP_HEADER]: 'test' },
      body: JSON.stringify({ id }),
    })
    assert.equal(res.status, 201, await res.text())
    assert.equal(await ownerOf(id), node)
  }
  /** Connects through `via` until it is served (a dead owner answers NODE_UNREACHABLE until its lease expires). */
  const connectRetrying = async (via: string, path: string): Promise<WsProbe> => {
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        return await WsProbe.connect(`${nodes[via]!.wsBase}${path}`)
      } catch (err) {
        if (Date.now() > deadline) throw err
        await sleep(100)
      }
    }
  }
  /** For a wait that timed out: the leases, the database's sessions and each node's last words. */
  const whatTheClusterSays = async () => {
    const leases = (await db.query('SELECT session_id, node, epoch, expires_at > now() AS live FROM session_leases')).rows
    const activity = (
      await db.query(
        `SELECT state, wait_event_type, left(query, 120) AS query FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'`,
      )
    ).rows
    // Each node's log but its request lines (a wait polls).
    const said = Object.entries(nodes).map(([id, node]) => {
      const lines = node
        .output()
        .split('\n')
        .filter((line) => !line.includes('"msg":"HTTP request"'))
      return `--- node ${id}:\n${lines.join('\n').slice(-6000)}`
    })
    const rows = (await db.query('SELECT id, state FROM sessions')).rows
    const tails = (
      await db.query(
        `SELECT session_id, seq, type, left(frame, 160) AS frame FROM events e
         WHERE seq > (SELECT max(seq) - 4 FROM events WHERE session_id = e.session_id) ORDER BY session_id, seq`,
      )
    ).rows
    return [
      `leases: ${JSON.stringify(leases)}`,
      `sessions: ${JSON.stringify(rows)}`,
      `last events: ${JSON.stringify(tails)}`,
      `busy connections: ${JSON.stringify(activity)}`,
      ...said,
    ].join('\n')
  }
  const seqs = (frames: Frame[]) => frames.filter((f) => typeof f['seq'] === 'number').map((f) => f['seq'] as number)
  const waitFor = async (what: string, check: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 60_000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${await whatTheClusterSays()}`)
      await sleep(50)
    }
  }

  it('spreads new sessions over the nodes, whichever node is asked', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const created = await api(nodes['a']!.url, 'POST', '/sessions', {})
      assert.equal(created.status, 201)
      ids.push(created.body['session'].id)
    }
    const owners = await Promise.all(ids.map(ownerOf))
    assert.deepEqual([...owners].sort(), ['a', 'b', 'c'])
    const listed = (await api(nodes['c']!.url, 'GET', '/sessions')).body['sessions'] as { id: string }[]
    for (const id of ids)
      assert.ok(
        listed.some((s) => s.id === id),
        `${id} is listed on every node`,
      )
  })

  it('a client on B drives a session A owns (WebSocket and HTTP); A SIGKILLed mid-turn, another node serves it without loss', async () => {
    await createOn('a', 'ada')
    const probe = await WsProbe.connect(`${nodes['b']!.wsBase}/sessions/ada/ws`)
    assert.equal(await probe.ask('my name is Ada'), 'Hello Ada')
    const events = await api(nodes['b']!.url, 'GET', '/sessions/ada/events')
    assert.equal(events.status, 200)
    assert.deepEqual(
      events.body['events'].map((e: { seq: number }) => e.seq),
      seqs(probe.frames),
    )

    const requests = model.requests.length
    probe.prompt('long task')
    await waitFor('the long turn to reach the model', () => model.requests.length > requests)
    await probe.next((f) => f.type === 'session_state' && f['state'] === 'running')
    const seen = seqs(probe.frames)
    nodes['a']!.child.kill('SIGKILL')
    assert.equal(await nodes['a']!.exited, 'SIGKILL')
    await waitFor('the forwarded socket to close', () => probe.closed)

    const again = await connectRetrying('b', `/sessions/ada/ws?after=${seen.at(-1)}`)
    const cut = await again.next((f) => f.type === 'error' && f['code'] === 'INTERRUPTED_BY_RESTART')
    assert.ok((cut['seq'] as number) > seen.at(-1)!)
    const owner = await ownerOf('ada')
    assert.ok(owner === 'b' || owner === 'c', `served by ${owner}`)

    const history = (await api(nodes['c']!.url, 'GET', '/sessions/ada/events')).body
    const all = history['events'].map((e: { seq: number }) => e.seq) as number[]
    assert.deepEqual(
      all,
      Array.from({ length: all.length }, (_, i) => i + 1),
      'gap-free',
    )
    const both = [...seen, ...seqs(again.frames)]
    assert.deepEqual(both, [...new Set(both)], 'no seq twice across the reconnect')
    assert.ok(
      seen.every((s) => all.includes(s)),
      'everything the client saw is logged',
    )

    assert.equal(await again.ask('what is my name'), 'Your name is Ada')
    const turn = model.requests.filter((r) => r.kind === 'turn').at(-1)!
    assert.ok(JSON.stringify(turn.body).includes('Hello Ada'), 'the conversation resumed on the new node')
    again.close()
  })

  it('a node SIGSTOPped until its lease moved writes nothing once it runs again', async () => {
    await createOn('c', 'paused')
    const probe = await WsProbe.connect(`${nodes['c']!.wsBase}/sessions/paused/ws`)
    const requests = model.requests.length
    probe.prompt('a slow task')
    await waitFor('the long turn to reach the model', () => model.requests.length > requests)
    await probe.next((f) => f.type === 'session_state' && f['state'] === 'running')
    const lastSeq = async () => (await api(nodes['b']!.url, 'GET', '/sessions/paused/events')).body['lastSeq'] as number
    let before = 0
    const moved = async () => {
      await waitFor('the takeover to record the cut turn', async () => {
        const events = (await api(nodes['b']!.url, 'GET', '/sessions/paused/events')).body['events'] as Frame[]
        return events.some((e) => e.type === 'error' && e['code'] === 'INTERRUPTED_BY_RESTART')
      })
      before = await lastSeq()
    }
    nodes['c']!.child.kill('SIGSTOP')
    try {
      await waitFor('the lease to move', async () => (await ownerOf('paused')) === 'b')
      await moved()
    } finally {
      nodes['c']!.child.kill('SIGCONT')
    }
    await waitFor('C to notice', () => nodes['c']!.output().includes('lost the lease of session paused'))
    // Its CLI for the session is stopped: nothing is left that could still write.
    await waitFor("C's CLI to exit", () => agentProcesses(join(servers.dataDir, 'sessions', 'paused')).length === 0)
    assert.equal(await lastSeq(), before, 'C wrote nothing after it lost the lease')
    assert.equal(await ownerOf('paused'), 'b')
    probe.close()
  })

  it('SIGTERM hands the idle sessions on at once and exits 0', async () => {
    await createOn('b', 'handed')
    const probe = await WsProbe.connect(`${nodes['c']!.wsBase}/sessions/handed/ws`)
    assert.equal(await probe.ask('ping'), 'pong')
    probe.close()
    const moved = ['ada', 'paused', 'handed']
    nodes['b']!.child.kill('SIGTERM')
    assert.equal(await nodes['b']!.exited, 0)
    // Released, not left to expire: no lease of B's has a time left on it.
    const left = await db.query(`SELECT session_id FROM session_leases WHERE node = 'b' AND expires_at <> '-infinity'`)
    assert.deepEqual(left.rows, [])
    for (const id of moved) {
      const info = await api(nodes['c']!.url, 'GET', `/sessions/${id}`)
      assert.equal(info.status, 200, `${id}: ${JSON.stringify(info.body)}`)
      assert.equal(await ownerOf(id), 'c')
    }
    const after = await WsProbe.connect(`${nodes['c']!.wsBase}/sessions/handed/ws`)
    assert.equal(await after.ask('ping'), 'pong')
    after.close()
  })
})
