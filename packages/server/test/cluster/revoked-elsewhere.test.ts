// A token revoked on one node of a cluster loses its access on every node: its WebSocket to a
// session another node owns (forwarded there, so it lives on the owner) closes 4403, and its
// requests are refused everywhere. Without the sweep the socket stayed open for good.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as } from '../helpers/principals.js'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

let pg: PostgresServer
let a: Stack
let b: Stack

before(async () => {
  pg = await startPostgres()
  const databaseUrl = await pg.database()
  a = await startStack(clusterNode('a', databaseUrl))
  b = await startStack(clusterNode('b', databaseUrl))
})
after(async () => {
  await b?.close()
  await a?.close()
  await pg?.stop()
})

describe('a token revoked on another node', () => {
  it('closes its socket on the node that serves it, and is refused on both', { timeout: 60_000 }, async () => {
    const made = await as(a, 'root', 'POST', '/tokens', { label: 'erin', role: 'member' })
    assert.equal(made.status, 201, made.text)
    const erin = { token: made.body['secret'] as string }
    const created = await as(a, erin, 'POST', '/sessions', { id: 'erin-on-a' }, { [HOP_HEADER]: 'test' })
    assert.equal(created.status, 201, created.text)
    assert.ok(a.server.sessions.has('erin-on-a'))

    // Opened through B, served (and tracked) by A, the owner.
    const probe = await WsProbe.connect(`${b.url.replace(/^http/, 'ws')}/sessions/erin-on-a/ws`, {
      headers: { authorization: `Bearer ${erin.token}` },
    })
    assert.equal((await as(b, 'root', 'DELETE', `/tokens/${made.body['token'].id}`)).status, 200)
    assert.equal(await probe.closedWith, CLOSE_CODES.revoked)
    assert.equal((await as(a, erin, 'GET', '/sessions')).status, 401)
    assert.equal((await as(b, erin, 'GET', '/sessions')).status, 401)
  })
})
