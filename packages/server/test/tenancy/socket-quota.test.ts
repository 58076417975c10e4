// A member or viewer holds at most MAX_SOCKETS_PER_PRINCIPAL WebSockets at once (session
// sockets and file watches together): one more is refused before the upgrade with 403
// FORBIDDEN (action socket_limit), also when upgrades race each other; closing one frees its
// place; other principals, admins above all, are not held to one member's count. A live list
// (GET /sessions-live) holds a connection as long as a socket does, so it counts too.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { eventually } from '../files/helpers.js'
import { as, PRINCIPALS, startTenancyStack, type Who } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const MAX = 3

/** Opens a socket as `who`: the socket once open, or the refusal's status and body. */
function open(stack: Stack, who: Who, path: string): Promise<{ socket?: WebSocket; status?: number; body?: any }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.url.replace(/^http/, 'ws')}${path}`, {
      headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
    })
    socket.once('open', () => resolve({ socket }))
    socket.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
    })
    socket.once('error', reject)
  })
}

/** Opens GET /sessions-live as `who`: its status, the refusal's body, and how to end it. */
async function openLiveList(stack: Stack, who: Who): Promise<{ status: number; body?: any; abort: () => void }> {
  const controller = new AbortController()
  const res = await fetch(`${stack.url}/sessions-live`, {
    headers: { authorization: `Bearer ${PRINCIPALS[who].token}` },
    signal: controller.signal,
  })
  if (res.status !== 200) return { status: res.status, body: await res.json(), abort: () => undefined }
  // Its first line is there: the stream is counted.
  const reader = res.body!.getReader()
  await reader.read()
  return { status: res.status, abort: () => controller.abort() }
}

describe('WebSockets per principal', () => {
  let stack: Stack
  let id: string
  before(async () => {
    stack = await startTenancyStack({ settings: { maxSocketsPerPrincipal: MAX } })
    id = (await as(stack, 'ann', 'POST', '/sessions', {})).body['session'].id as string
    assert.equal((await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/vic`)).status, 200)
  })
  after(() => stack.close())

  it('refuses a member its socket past the limit, counting watches too; closing one frees its place', async () => {
    const held = [await open(stack, 'ann', `/sessions/${id}/ws`), await open(stack, 'ann', `/sessions/${id}/ws`)]
    held.push(await open(stack, 'ann', `/sessions/${id}/files/watch`))
    assert.ok(held.every((h) => h.socket))
    const refused = await open(stack, 'ann', `/sessions/${id}/ws`)
    assert.equal(refused.status, 403)
    assert.equal(refused.body.code, 'FORBIDDEN')
    assert.deepEqual(refused.body.data, { action: 'socket_limit', limit: MAX, open: MAX })
    assert.equal((await open(stack, 'ann', `/sessions/${id}/files/watch`)).status, 403)

    // Others go on: a viewer of the same session, and an admin past any count.
    const vic = await open(stack, 'vic', `/sessions/${id}/ws`)
    assert.ok(vic.socket)
    const root = await Promise.all(Array.from({ length: MAX + 2 }, () => open(stack, 'root', `/sessions/${id}/ws`)))
    assert.ok(root.every((r) => r.socket))

    held[0]!.socket!.close()
    await eventually(
      async () => (await open(stack, 'ann', `/sessions/${id}/ws`).then((r) => (r.socket?.close(), r.status))) !== 403,
      'a place was freed',
    )
    for (const h of [...held, vic, ...root]) h.socket?.close()
  })

  it('counts live lists (GET /sessions-live) with the sockets; a one-shot list is not held to it', async () => {
    await eventually(async () => (await as(stack, 'root', 'GET', `/sessions/${id}`)).body['session'].clients === 0, 'the sockets closed')
    const streams = await Promise.all(Array.from({ length: MAX }, () => openLiveList(stack, 'vic')))
    assert.ok(streams.every((s) => s.status === 200))
    const refused = await openLiveList(stack, 'vic')
    assert.equal(refused.status, 403)
    assert.equal(refused.body.code, 'FORBIDDEN')
    assert.deepEqual(refused.body.data, { action: 'socket_limit', limit: MAX, open: MAX })
    // The same count as WebSockets: a socket past it is refused as well.
    assert.equal((await open(stack, 'vic', `/sessions/${id}/ws`)).status, 403)
    // A list that ends after its first line holds nothing for long.
    assert.equal((await as(stack, 'vic', 'GET', '/sessions-live?once=1')).status, 200)
    streams[0]!.abort()
    await eventually(async () => {
      const again = await openLiveList(stack, 'vic')
      again.abort()
      return again.status === 200
    }, 'a place was freed')
    for (const s of streams) s.abort()
  })

  it('holds to the limit when upgrades race each other', async () => {
    await eventually(async () => (await as(stack, 'root', 'GET', `/sessions/${id}`)).body['session'].clients === 0, 'the sockets closed')
    // Eight upgrades at once to bob's own session.
    const bobs = (await as(stack, 'bob', 'POST', '/sessions', {})).body['session'].id as string
    const all = await Promise.all(Array.from({ length: 8 }, () => open(stack, 'bob', `/sessions/${bobs}/ws`)))
    assert.deepEqual(all.map((r) => (r.socket ? 'open' : r.status)).sort(), [403, 403, 403, 403, 403, 'open', 'open', 'open'])
    for (const r of all) r.socket?.close()
  })
})
