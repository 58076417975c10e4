// GET /sessions-live across a cluster: two real servers on one real PostgreSQL; a watcher on A
// sees a session made on B appear, change and go (B tells A through LISTEN/NOTIFY), and only
// the sessions its principal may read. Each wait is on a line of the stream, bounded.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { SessionsLiveLineSchema, type LiveSession } from '@claude-agent/protocol'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS, type Who } from '../helpers/principals.js'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startStack, type Stack } from '../helpers/stack.js'

let postgres: PostgresServer
let databaseUrl: string
let a: Stack
let b: Stack

before(async () => {
  postgres = await startPostgres()
  databaseUrl = await postgres.database()
  const node = (nodeId: string) => clusterNode(nodeId, databaseUrl)
  a = await startStack(node('a'))
  b = await startStack(node('b'))
})
after(async () => {
  await b?.close()
  await a?.close()
  await postgres?.stop()
})

/** An open stream's lists, and a bounded wait for one that matches. */
async function watch(stack: Stack, who: Who) {
  const abort = new AbortController()
  const res = await fetch(`${stack.url}/sessions-live`, {
    headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
    signal: abort.signal,
  })
  assert.equal(res.status, 200)
  const lists: LiveSession[][] = []
  let wake = () => {}
  void (async () => {
    let buffer = ''
    try {
      for await (const chunk of res.body!) {
        buffer += Buffer.from(chunk).toString('utf8')
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = SessionsLiveLineSchema.parse(JSON.parse(buffer.slice(0, nl)))
          buffer = buffer.slice(nl + 1)
          if (line.type === 'sessions') lists.push(line.sessions)
          wake()
        }
      }
    } catch {
      // aborted by the test
    }
  })()
  const until = async (match: (list: LiveSession[]) => boolean, what: string): Promise<LiveSession[]> => {
    const deadline = Date.now() + 20_000
    for (let from = 0; ;) {
      const found = lists.slice(from).find(match)
      if (found) return found
      from = lists.length
      if (Date.now() > deadline) throw new Error(`no list with ${what}: ${JSON.stringify(lists.at(-1))}`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 500)
      })
    }
  }
  return { lists, until, close: () => abort.abort() }
}

const ids = (list: LiveSession[]) => list.map((s) => s.id)

describe('the live sessions list in a cluster', () => {
  it('shows on A a session created on B, as its principal may read it, and its deletion', async () => {
    const ann = await watch(a, 'ann')
    const bob = await watch(a, 'bob')
    const root = await watch(a, 'root')
    try {
      await ann.until(() => true, 'a first list')
      const created = await as(b, 'ann', 'POST', '/sessions', { id: 's_on_b' }, { [HOP_HEADER]: 'test' })
      assert.equal(created.status, 201, created.text)
      assert.ok(b.server.sessions.has('s_on_b') && !a.server.sessions.has('s_on_b'), 'served by B only')

      const seen = await ann.until((l) => ids(l).includes('s_on_b'), "B's session")
      assert.equal(seen.find((s) => s.id === 's_on_b')?.owner, 'ann')
      await root.until((l) => ids(l).includes('s_on_b'), "B's session, for an admin")

      const deleted = await as(b, 'ann', 'DELETE', '/sessions/s_on_b', undefined, { [HOP_HEADER]: 'test' })
      assert.equal(deleted.status, 200, deleted.text)
      await ann.until((l) => !ids(l).includes('s_on_b'), "B's session gone")
      await root.until((l) => !ids(l).includes('s_on_b'), "B's session gone, for an admin")
      assert.ok(
        bob.lists.every((l) => !ids(l).includes('s_on_b')),
        'another member never sees it',
      )
    } finally {
      for (const w of [ann, bob, root]) w.close()
    }
  })
})

describe('the live sessions list when a node dies before it tells the others', () => {
  it('catches up within a lease: a session it made shows, one it deleted goes', async () => {
    // Its own node with a short lease: the list is read again once a lease, whatever was heard.
    const options = clusterNode('c', databaseUrl)
    options.settings!.cluster = { ...options.settings!.cluster!, leaseMs: 1500 }
    const c = await startStack(options)
    const db = new pg.Pool({ connectionString: databaseUrl })
    const root = await watch(c, 'root')
    try {
      await root.until(() => true, 'a first list')
      // What node z wrote just before it was killed, its notification still coalescing.
      await db.query(
        `INSERT INTO sessions (id, conversation_id, created_at, config, state, allowed_tools, owner, readers)
         VALUES ('s_ghost', 'c0ffee00-0000-4000-8000-000000000001', $1, '{}', 'suspended', '[]', 'ann', '[]')`,
        [new Date().toISOString()],
      )
      await root.until((l) => ids(l).includes('s_ghost'), 'the session z made')
      await db.query(`DELETE FROM sessions WHERE id = 's_ghost'`)
      await root.until((l) => !ids(l).includes('s_ghost'), 'the session z deleted gone')
    } finally {
      root.close()
      await db.end()
      await c.close()
    }
  })
})
