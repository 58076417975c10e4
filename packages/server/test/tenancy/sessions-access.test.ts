// Sessions by principal: lists show only what each may see, readers are shared and taken
// back (their sockets close), the WebSocket hides and refuses as HTTP does, and members are
// held to the permission modes the server allows them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { refusedUpgrade } from '../helpers/http.js'
import { PRINCIPALS, as, annsSession, startTenancyStack, type Who } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

describe('sessions by principal', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack()
  })
  after(() => stack.close())

  const ws = (who: Who, path: string) => `${stack.url.replace(/^http/, 'ws')}${path}?access_token=${PRINCIPALS[who].token}`
  const ids = async (who: Who) => ((await as(stack, who, 'GET', '/sessions')).body['sessions'] as Array<{ id: string }>).map((s) => s.id)

  it('lists to each principal only the sessions it may see, with their owner', async () => {
    const anns = await annsSession(stack)
    const bobs = (await as(stack, 'bob', 'POST', '/sessions', {})).body['session']
    assert.equal(bobs.owner, 'bob')
    assert.ok((await ids('root')).includes(anns) && (await ids('root')).includes(bobs.id) && (await ids('root')).includes('default'))
    assert.ok((await ids('ann')).includes(anns))
    assert.ok(!(await ids('ann')).includes(bobs.id) && !(await ids('ann')).includes('default'))
    assert.ok(!(await ids('bob')).includes(anns))
    const vics = await ids('vic')
    assert.ok(vics.includes(anns) && !vics.includes(bobs.id) && !vics.includes('default'))
  })

  it('shows the readers to the owner and admins only, and takes a reader back', async () => {
    const id = await annsSession(stack)
    assert.deepEqual((await as(stack, 'ann', 'GET', `/sessions/${id}`)).body['session'].readers, ['vic'])
    assert.deepEqual((await as(stack, 'root', 'GET', `/sessions/${id}`)).body['session'].readers, ['vic'])
    assert.equal((await as(stack, 'vic', 'GET', `/sessions/${id}`)).body['session'].readers, undefined)
    const back = await as(stack, 'ann', 'DELETE', `/sessions/${id}/readers/vic`)
    assert.deepEqual(back.body, { session: id, readers: [] })
    assert.equal((await as(stack, 'vic', 'GET', `/sessions/${id}`)).body['code'], 'SESSION_NOT_FOUND')
    const bad = await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/a%2Cb`)
    assert.equal(bad.body['code'], 'INVALID_REQUEST')
  })

  it('hides sessions on the WebSocket as on HTTP: another member, and the default session', async () => {
    const id = await annsSession(stack)
    const bob = await refusedUpgrade(ws('bob', `/sessions/${id}/ws`))
    assert.equal(bob.status, 404)
    assert.equal(bob.body['code'], 'SESSION_NOT_FOUND')
    assert.equal((await refusedUpgrade(ws('ann', '/ws'))).body['code'], 'SESSION_NOT_FOUND')
    assert.equal((await refusedUpgrade(ws('vic', '/files/watch'))).body['code'], 'SESSION_NOT_FOUND')
    const root = await WsProbe.connect(ws('root', `/sessions/${id}/ws`))
    root.close()
  })

  it('lets a viewer watch and answer nothing: prompts, interrupts, approvals and control are FORBIDDEN', async () => {
    const id = await annsSession(stack)
    const vic = await WsProbe.connect(ws('vic', `/sessions/${id}/ws`))
    vic.send({
      type: 'user_message',
      data: { type: 'user', uuid: '9b2f4a52-1f7e-4c38-9d7a-4f5e7b1c2d3e', message: { role: 'user', content: 'hi' } },
    })
    const refused = await vic.next((f) => f.type === 'error')
    assert.equal(refused['code'], 'FORBIDDEN')
    assert.equal((refused['data'] as { uuid: string }).uuid, '9b2f4a52-1f7e-4c38-9d7a-4f5e7b1c2d3e')
    vic.send({ type: 'interrupt' })
    vic.send({ type: 'permission_response', requestId: 'r1', decision: 'allow' })
    await vic.next((f) => f.type === 'error', { from: vic.frames.indexOf(refused) + 2 })
    vic.send({ type: 'control', id: 'c1', request: { subtype: 'set_model', model: 'x' } })
    const control = await vic.next((f) => f.type === 'control_response')
    assert.equal(control['ok'], false)
    assert.equal((control['error'] as { code: string }).code, 'FORBIDDEN')
    assert.equal(vic.frames.filter((f) => f.type === 'error').length, 3)
    assert.ok(vic.frames.filter((f) => f.type === 'error').every((f) => f['code'] === 'FORBIDDEN'))
    assert.equal(stack.model.requests.length, 0, 'no prompt reached the model')
    vic.close()
  })

  it("closes a reader's socket when it is taken back", async () => {
    const id = await annsSession(stack)
    const vic = await WsProbe.connect(ws('vic', `/sessions/${id}/ws`))
    const closed = new Promise<number>((resolve) => vic.socket.once('close', (code) => resolve(code)))
    await as(stack, 'ann', 'DELETE', `/sessions/${id}/readers/vic`)
    assert.equal(await closed, CLOSE_CODES.revoked)
  })

  it('holds members to MEMBER_PERMISSION_MODES on create and on live switches; admins are not', async () => {
    const bypass = { config: { permissionMode: 'bypassPermissions' } }
    const refused = await as(stack, 'ann', 'POST', '/sessions', bypass)
    assert.equal(refused.status, 403)
    assert.equal(refused.body['code'], 'FORBIDDEN')
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', { config: { permissionMode: 'plan' } })).status, 201)
    assert.equal((await as(stack, 'root', 'POST', '/sessions', bypass)).status, 201)
    const id = await annsSession(stack)
    const ann = await WsProbe.connect(ws('ann', `/sessions/${id}/ws`))
    ann.send({ type: 'control', id: 'm1', request: { subtype: 'set_permission_mode', mode: 'bypassPermissions' } })
    const answer = await ann.next((f) => f.type === 'control_response')
    assert.equal((answer['error'] as { code: string }).code, 'FORBIDDEN')
    ann.close()
  })

  it("keeps members out of a shared workspace another principal's sessions use; its owner and admins join it", async () => {
    const shared = { config: { workspace: { shared: 'ann-project' } } }
    const anns = (await as(stack, 'ann', 'POST', '/sessions', shared)).body['session'].id as string
    assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${anns}/files/content?path=notes.txt`, 'ann only')).status, 201)
    const bob = await as(stack, 'bob', 'POST', '/sessions', shared)
    assert.equal(bob.status, 403, bob.text)
    assert.equal(bob.body['code'], 'FORBIDDEN')
    assert.ok(!bob.text.includes('ann only'))
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', shared)).status, 201, 'its owner opens another session on it')
    const root = (await as(stack, 'root', 'POST', '/sessions', shared)).body['session'].id as string
    const read = await as(stack, 'root', 'GET', `/sessions/${root}/files/content?path=notes.txt`)
    assert.equal(read.text, 'ann only', 'an admin may join any')
    assert.equal((await as(stack, 'bob', 'POST', '/sessions', { config: { workspace: { shared: 'bob-project' } } })).status, 201)
  })

  it("keeps a shared workspace its owner's once its last session is gone", async () => {
    const shared = { config: { workspace: { shared: 'ann-left' } } }
    const anns = (await as(stack, 'ann', 'POST', '/sessions', shared)).body['session'].id as string
    assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${anns}/files/content?path=left.txt`, "still ann's")).status, 201)
    assert.equal((await as(stack, 'ann', 'DELETE', `/sessions/${anns}`)).status, 200)
    const bob = await as(stack, 'bob', 'POST', '/sessions', shared)
    assert.equal(bob.status, 403, `the directory and its files stay, and stay ann's: ${bob.text}`)
    assert.equal((await as(stack, 'ann', 'POST', '/sessions', shared)).status, 201, 'ann comes back to it')
  })

  it('gives a shared workspace to the first of two members naming it at once', async () => {
    const shared = { config: { workspace: { shared: 'raced' } } }
    const [ann, bob] = await Promise.all([as(stack, 'ann', 'POST', '/sessions', shared), as(stack, 'bob', 'POST', '/sessions', shared)])
    assert.deepEqual([ann.status, bob.status].sort(), [201, 403], `one of them: ${ann.text} ${bob.text}`)
  })
})

describe('the gate, tried around its edges', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack()
  })
  after(() => stack.close())

  it('never serves a hidden session or an admin route through another spelling of its path', async () => {
    const id = await annsSession(stack)
    const encoded = [...id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')
    const attempts: Array<[Who, string, string]> = [
      ['ann', 'GET', '/tokens/'],
      ['ann', 'GET', '//tokens'],
      ['ann', 'GET', '/tokens?x=1'],
      ['ann', 'GET', '/Tokens'],
      ['ann', 'GET', '/tokens/%2e%2e/tokens'],
      ['bob', 'GET', `/sessions/${id}/events/`],
      ['bob', 'GET', `/sessions/${encoded}/events`],
      ['bob', 'GET', `//sessions/${id}/events`],
      ['bob', 'GET', `/sessions/${id}/./events`],
      ['bob', 'GET', `/sessions/x/../${id}/events`],
      ['vic', 'DELETE', `/sessions/${id}/`],
      ['vic', 'POST', `/sessions/${encoded}/exec`],
      ['ann', 'GET', '/files/?path=.'],
      ['ann', 'GET', '/config/'],
    ]
    const leaks: string[] = []
    for (const [who, method, path] of attempts) {
      const answer = await as(stack, who, method, path, method === 'POST' ? { command: 'true' } : undefined)
      if (answer.status < 300) leaks.push(`${who} ${method} ${path}: ${answer.status} ${answer.text.slice(0, 120)}`)
    }
    assert.deepEqual(leaks, [])
  })
})
