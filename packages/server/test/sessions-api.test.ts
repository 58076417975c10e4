// The native session API: create, list, get, delete; history over HTTP with paging; two
// sessions running at once without their events mixing; clear codes for every bad id/cursor.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api, refusedUpgrade } from './helpers/http.js'
import { agentProcesses } from './helpers/processes.js'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('session API', () => {
  let stack: Stack
  const wsOf = (id: string, query = '') => `${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws${query}`

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          { ...say('alpha', 'answer for alpha'), repeat: true },
          { ...say('beta', 'answer for beta'), repeat: true },
        ],
      },
    })
  })
  after(() => stack.close())

  it('creates, lists, gets and deletes sessions', async () => {
    const created = await api(stack.url, 'POST', '/sessions', { id: 'one', config: { model: 'm1', cwd: 'projects/one' } })
    assert.equal(created.status, 201)
    assert.equal(created.body['session'].id, 'one')
    assert.equal(created.body['session'].state, 'suspended')
    assert.equal(created.body['session'].config.cwd, 'projects/one')
    const generated = await api(stack.url, 'POST', '/sessions', {})
    assert.equal(generated.status, 201)
    const genId = generated.body['session'].id as string
    assert.match(genId, /^s_/)

    const listed = await api(stack.url, 'GET', '/sessions')
    const ids = (listed.body['sessions'] as Array<{ id: string }>).map((s) => s.id)
    assert.ok(
      ['default', 'one', genId].every((id) => ids.includes(id)),
      ids.join(),
    )

    const got = await api(stack.url, 'GET', '/sessions/one')
    assert.equal(got.body['session'].conversationId.length, 36)
    assert.equal(got.body['session'].run, null)

    assert.equal((await api(stack.url, 'DELETE', `/sessions/${genId}`)).status, 200)
    const gone = await api(stack.url, 'GET', `/sessions/${genId}`)
    assert.equal(gone.status, 404)
    assert.equal(gone.body['code'], 'SESSION_NOT_FOUND')
  })

  it('refuses bad session requests with codes', async () => {
    const dup = await api(stack.url, 'POST', '/sessions', { id: 'one' })
    assert.equal(dup.status, 409)
    assert.equal(dup.body['code'], 'SESSION_EXISTS')
    const badId = await api(stack.url, 'POST', '/sessions', { id: '../etc' })
    assert.equal(badId.body['code'], 'INVALID_REQUEST')
    assert.equal(badId.body['data'].issues[0].path, 'id')
    const badField = await api(stack.url, 'POST', '/sessions', { config: { maxTurns: 'many' } })
    assert.equal(badField.body['code'], 'INVALID_REQUEST')
    assert.equal(badField.body['data'].issues[0].path, 'config.maxTurns')
    // A cwd out of the workspace is refused as every path out of it is (see cwd-escape.test.ts).
    const escape = await api(stack.url, 'POST', '/sessions', { config: { cwd: '../../outside' } })
    assert.equal(escape.body['code'], 'PATH_OUTSIDE_WORKSPACE')
    assert.equal(escape.body['data'].issues[0].path, 'config.cwd')
    const absolute = await api(stack.url, 'POST', '/sessions', { config: { cwd: '/etc' } })
    assert.equal(absolute.body['code'], 'PATH_OUTSIDE_WORKSPACE')
    assert.equal((await api(stack.url, 'DELETE', '/sessions/default')).body['code'], 'INVALID_REQUEST')
    for (const path of ['/sessions/nope', '/sessions/nope/events']) {
      const res = await api(stack.url, 'GET', path)
      assert.equal(res.status, 404, path)
      assert.equal(res.body['code'], 'SESSION_NOT_FOUND', path)
    }
    assert.equal((await api(stack.url, 'DELETE', '/sessions/nope')).body['code'], 'SESSION_NOT_FOUND')
    const ws = await refusedUpgrade(wsOf('nope'))
    assert.equal(ws.status, 404)
    assert.equal(ws.body['code'], 'SESSION_NOT_FOUND')
  })

  it('runs two sessions at once without mixing their events', async () => {
    await api(stack.url, 'POST', '/sessions', { id: 'a' })
    await api(stack.url, 'POST', '/sessions', { id: 'b' })
    const a = await WsProbe.connect(wsOf('a'))
    const b = await WsProbe.connect(wsOf('b'))
    a.prompt('alpha')
    b.prompt('beta')
    const [ra, rb] = await Promise.all([a.result(), b.result()])
    assert.equal(sdkData(ra)['result'], 'answer for alpha')
    assert.equal(sdkData(rb)['result'], 'answer for beta')
    const conversations = (p: WsProbe) => new Set(p.frames.filter((f) => f.type === 'sdk_message').map((f) => sdkData(f)['session_id']))
    assert.equal(conversations(a).size, 1)
    assert.equal(conversations(b).size, 1)
    assert.notDeepEqual([...conversations(a)], [...conversations(b)])
    assert.ok(!JSON.stringify(a.frames).includes('answer for beta'))
    assert.ok(!JSON.stringify(b.frames).includes('answer for alpha'))
    const seqs = a.frames.map((f) => f['seq']).filter((s): s is number => typeof s === 'number')
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'gap-free sequence numbers',
    )
    a.close()
    b.close()
  })

  it('serves history with paging and refuses bad cursors', async () => {
    const all = await api(stack.url, 'GET', '/sessions/a/events')
    const lastSeq = all.body['lastSeq'] as number
    assert.ok(lastSeq >= 4)
    assert.deepEqual(
      (all.body['events'] as Array<{ seq: number }>).map((e) => e.seq),
      Array.from({ length: lastSeq }, (_, i) => i + 1),
    )
    const page = await api(stack.url, 'GET', '/sessions/a/events?after=1&limit=2')
    assert.deepEqual(
      (page.body['events'] as Array<{ seq: number }>).map((e) => e.seq),
      [2, 3],
    )
    assert.equal(page.body['hasMore'], true)
    // Decimal digits only: Number() alone would take a hex, an exponent and a space.
    for (const bad of ['-1', 'abc', '1.5', String(lastSeq + 1), '0x1', '1e0', '%201', '']) {
      const res = await api(stack.url, 'GET', `/sessions/a/events?after=${bad}`)
      assert.equal(res.body['code'], 'INVALID_CURSOR', bad)
      const ws = await refusedUpgrade(wsOf('a', `?after=${bad}`))
      assert.equal(ws.body['code'], 'INVALID_CURSOR', bad)
    }
    for (const bad of ['0', '0x10', '1e1', '%205'])
      assert.equal((await api(stack.url, 'GET', `/sessions/a/events?limit=${bad}`)).body['code'], 'INVALID_REQUEST', bad)
  })

  it('replays from a cursor, then goes live', async () => {
    const probe = await WsProbe.connect(wsOf('a', '?after=2'))
    const history = await api(stack.url, 'GET', '/sessions/a/events')
    const lastSeq = history.body['lastSeq'] as number
    await probe.next((f) => f['seq'] === lastSeq)
    assert.deepEqual(
      probe.frames.filter((f) => f['seq'] !== undefined).map((f) => f['seq']),
      Array.from({ length: lastSeq - 2 }, (_, i) => i + 3),
    )
    const from = probe.frames.length
    probe.prompt('alpha')
    await probe.result(from)
    probe.close()
  })

  it('closes attached clients when their session is deleted', async () => {
    await api(stack.url, 'POST', '/sessions', { id: 'doomed' })
    const probe = await WsProbe.connect(wsOf('doomed'))
    const code = new Promise<number>((resolve) => probe.socket.once('close', (c) => resolve(c)))
    await api(stack.url, 'DELETE', '/sessions/doomed')
    assert.equal(await code, 4404)
    assert.ok(probe.frames.some((f) => f.type === 'error' && f['code'] === 'SESSION_NOT_FOUND'))
  })

  it('logs nothing for a deleted session: a new session with its id starts with a history of its own', async () => {
    await api(stack.url, 'POST', '/sessions', { id: 'reused' })
    const probe = await WsProbe.connect(wsOf('reused'))
    probe.send({ type: 'control', id: 'up', request: { subtype: 'list_models' } })
    await probe.next((f) => f.type === 'control_response' && f['id'] === 'up')
    // A model switch the CLI has not answered when the delete stops it (stopped: it cannot).
    for (const pid of agentProcesses(join(stack.dir, 'data', 'sessions', 'reused'))) process.kill(pid, 'SIGSTOP')
    probe.send({ type: 'control', id: 'late', request: { subtype: 'set_model', model: 'claude-late' } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await api(stack.url, 'DELETE', '/sessions/reused')).status, 200)

    await api(stack.url, 'POST', '/sessions', { id: 'reused' })
    const again = await WsProbe.connect(wsOf('reused', '?after=0'))
    await again.next((f) => f.type === 'session_state' && f['state'] === 'idle')
    const events = (await api(stack.url, 'GET', '/sessions/reused/events')).body['events'] as Array<{ type: string; seq: number }>
    assert.deepEqual(
      events.map((e) => [e.seq, e.type]),
      [[1, 'session_state']],
      `nothing of the deleted session: ${JSON.stringify(events)}`,
    )
    probe.close()
    again.close()
  })
})
