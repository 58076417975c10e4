// Two real servers in one cluster (one PostgreSQL): a session owned by node A is driven from
// node B over WebSocket and HTTP with the client's own credentials; a request that was
// forwarded once is never forwarded again; a create goes to the node with the most room.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS } from '../helpers/principals.js'
import { clusterNode } from '../helpers/cluster-stack.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

let pg: PostgresServer
let a: Stack
let b: Stack
const scenario = { scripts: [say('hello there', 'hi from the owner')] }

before(async () => {
  pg = await startPostgres()
  const databaseUrl = await pg.database()
  const node = (nodeId: string) => clusterNode(nodeId, databaseUrl, { scenario })
  a = await startStack(node('a'))
  b = await startStack(node('b'))
})
after(async () => {
  await b?.close()
  await a?.close()
  await pg?.stop()
})

const ann = { authorization: `Bearer ${PRINCIPALS.ann.token}` }

describe('forwarding between nodes', () => {
  it('a session created on A is driven from B over WebSocket and HTTP', async () => {
    const created = await as(a, 'ann', 'POST', '/sessions', { id: 's_on_a' }, { [HOP_HEADER]: 'test' })
    assert.equal(created.status, 201, created.text)
    assert.ok(a.server.sessions.has('s_on_a') && !b.server.sessions.has('s_on_a'))

    const probe = await WsProbe.connect(`${b.url.replace(/^http/, 'ws')}/sessions/s_on_a/ws`, { headers: ann })
    try {
      assert.equal(await probe.ask('hello there'), 'hi from the owner')
    } finally {
      probe.close()
    }
    assert.equal(a.model.requests.filter((r) => r.kind === 'turn').length, 1, "the owner's model served the turn")
    assert.equal(b.model.requests.filter((r) => r.kind === 'turn').length, 0)

    const events = await as(b, 'ann', 'GET', '/sessions/s_on_a/events')
    assert.equal(events.status, 200, events.text)
    assert.ok((events.body.events as { type: string }[]).some((e) => e.type === 'sdk_message'))
    const one = await as(b, 'ann', 'GET', '/sessions/s_on_a')
    assert.equal(one.body.session.id, 's_on_a')
  })

  it("the owner checks the client's own credentials: no token, another member's token, through B", async () => {
    const none = await fetch(`${b.url}/sessions/s_on_a/events`)
    assert.equal(none.status, 401)
    const bob = await as(b, 'bob', 'GET', '/sessions/s_on_a/events')
    assert.equal(bob.status, 404, 'another member does not see it (as on the owner)')
    await assert.rejects(WsProbe.connect(`${b.url.replace(/^http/, 'ws')}/sessions/s_on_a/ws`), /401/)
  })

  it('a request that carries the hop header is never forwarded again: a session owned elsewhere is a retryable LEASE_LOST', async () => {
    const again = await as(b, 'ann', 'GET', '/sessions/s_on_a', undefined, { [HOP_HEADER]: 'a' })
    assert.equal(again.status, 503)
    assert.equal(again.body.code, 'LEASE_LOST')
    assert.ok(!b.server.sessions.has('s_on_a'))
  })

  it('a create goes to the node with the most room, whichever node it reaches', async () => {
    // A owns s_on_a; B owns nothing: the next session is made on B, though asked of A.
    const created = await as(a, 'ann', 'POST', '/sessions', {})
    assert.equal(created.status, 201, created.text)
    const id = created.body.session.id as string
    assert.ok(b.server.sessions.has(id), 'made on B')
    assert.ok(!a.server.sessions.has(id))
    const seen = await as(a, 'ann', 'GET', `/sessions/${id}`)
    assert.equal(seen.status, 200, 'and reached from A')
  })

  it('a page served by the node it reached (its own origin) drives and creates sessions other nodes own', async () => {
    // The web console on B: its requests carry Origin = B. A sees its own address as Host, so
    // B names the host the page reached (X-Forwarded-Host); the create B places checks the
    // Host the client sent, not the one the server rewrites for routing.
    const page = { ...ann, origin: b.url }
    const probe = await WsProbe.connect(`${b.url.replace(/^http/, 'ws')}/sessions/s_on_a/ws`, { headers: page })
    probe.close()
    const mkdir = await fetch(`${b.url}/sessions/s_on_a/files/mkdir?path=from-page`, { method: 'POST', headers: page })
    assert.equal(mkdir.status, 201, await mkdir.text())
    const created = await fetch(`${b.url}/sessions`, {
      method: 'POST',
      headers: { ...page, 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(created.status, 201, await created.text())
    // Another site's page is still refused, on the owner too.
    const evil = await fetch(`${b.url}/sessions/s_on_a/files/mkdir?path=evil`, {
      method: 'POST',
      headers: { ...ann, origin: 'https://evil.example' },
    })
    assert.equal(evil.status, 403)
    assert.equal(((await evil.json()) as { code: string }).code, 'ORIGIN_NOT_ALLOWED')
  })
})
