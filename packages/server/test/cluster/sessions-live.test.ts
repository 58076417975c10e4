// GET /sessions-live across a cluster: two real servers on one real PostgreSQL; a watcher on A
// sees a session made on B appear, change and go (B tells A through LISTEN/NOTIFY), and only
// the sessions its principal may read. Each wait is on a line of the stream, bounded.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import type { LiveSession } from '@claude-agent/protocol'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as } from '../helpers/principals.js'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { watchSessionsLive } from '../helpers/sessions-live.js'

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

const ids = (list: LiveSession[]) => list.map((s) => s.id)

describe('the live sessions list in a cluster', () => {
  it('shows on A a session created on B, as its principal may read it, and its deletion', async () => {
    const ann = await watchSessionsLive(a, 'ann')
    const bob = await watchSessionsLive(a, 'bob')
    const root = await watchSessionsLive(a, 'root')
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
    const root = await watchSessionsLive(c, 'root')
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
