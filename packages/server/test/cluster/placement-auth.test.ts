// A create reaching a full cluster: the caller's credentials are checked before it is placed,
// so one without a valid token hears 401, never CLUSTER_FULL (nor where it would have gone);
// a create sent with the hop header is held to the node's own limit.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { HOP_HEADER } from '../../src/cluster/forward.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'

let postgres: PostgresServer
let a: Stack

before(async () => {
  postgres = await startPostgres()
  a = await startStack({
    settings: {
      prewarm: false,
      authTokens: Object.entries(PRINCIPALS).map(([label, p]) => ({ label, role: p.role, token: p.token })),
      databaseUrl: await postgres.database(),
      cluster: { nodeId: 'a', leaseMs: 15_000, maxSessions: 1 },
    },
  })
})
after(async () => {
  await a?.close()
  await postgres?.stop()
})

const post = (headers: Record<string, string>) =>
  fetch(`${a.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })

describe('placement and credentials', () => {
  it('answers 401 to a create without a valid token when the cluster is full; CLUSTER_FULL only to a known caller', async () => {
    const first = await as(a, 'ann', 'POST', '/sessions', { id: 'fills_it' }, { [HOP_HEADER]: 'test' })
    assert.equal(first.status, 201, first.text)

    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-token-0123456789' }, { authorization: 'Basic abc' }]
    for (const headers of refused) {
      const res = await post(headers)
      const body = (await res.json()) as { code: string }
      assert.equal(res.status, 401, JSON.stringify(headers))
      assert.equal(body.code, 'UNAUTHORIZED')
    }
    const full = await as(a, 'ann', 'POST', '/sessions', {})
    assert.equal(full.status, 503, full.text)
    assert.equal(full.body.code, 'CLUSTER_FULL')
    // The hop header (any client can send it) skips placement, not the node's own limit.
    const hop = await as(a, 'ann', 'POST', '/sessions', { id: 'past_the_limit' }, { [HOP_HEADER]: 'anyone' })
    assert.equal(hop.status, 503, hop.text)
    assert.equal(hop.body.code, 'CLUSTER_FULL')
    assert.equal((await as(a, 'ann', 'GET', '/sessions/past_the_limit')).status, 404, 'nothing was created')
    const hopWithoutToken = await post({ [HOP_HEADER]: 'anyone' })
    assert.equal(hopWithoutToken.status, 401)
  })

  it('answers FORBIDDEN to a viewer and ORIGIN_NOT_ALLOWED to a page elsewhere, before placing', async () => {
    const viewer = await as(a, 'vic', 'POST', '/sessions', {})
    assert.equal(viewer.status, 403, viewer.text)
    assert.equal(viewer.body.code, 'FORBIDDEN')
    const page = await post({ authorization: `Bearer ${PRINCIPALS.ann.token}`, origin: 'https://evil.example' })
    assert.equal(page.status, 403)
    assert.equal(((await page.json()) as { code: string }).code, 'ORIGIN_NOT_ALLOWED')
  })
})
