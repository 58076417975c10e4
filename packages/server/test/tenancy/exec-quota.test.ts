// A running command (POST /sessions/:id/exec) holds its connection as long as a WebSocket does,
// so it counts against MAX_SOCKETS_PER_PRINCIPAL with the sockets and live lists: one more is
// refused with 403 FORBIDDEN (action socket_limit) and nothing runs, also when commands race
// each other. Its place is free again however it ends: the command exits, the client goes
// away, the stream is cut (its token revoked), or the command cannot start at all.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { eventually } from '../files/helpers.js'
import { as, PRINCIPALS, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const MAX = 2

interface Exec {
  status: number
  body?: any
  /** Everything the stream said, once it ended (or was cut). */
  done: Promise<string>
  abort(): void
}

/** Starts `command` as `token`; resolves once it printed `started` (or was refused). */
async function exec(stack: Stack, token: string, session: string, command: string): Promise<Exec> {
  const controller = new AbortController()
  const res = await fetch(`${stack.url}/sessions/${session}/exec`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command, shell: true }),
    signal: controller.signal,
  })
  if (res.status !== 200) return { status: res.status, body: await res.json(), done: Promise.resolve(''), abort: () => undefined }
  let started!: () => void
  const running = new Promise<void>((r) => (started = r))
  const done = (async () => {
    let text = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true })
        if (text.includes('started')) started()
      }
    } catch {
      // cut: what came is what there is
    }
    started()
    return text
  })()
  await running
  return { status: 200, done, abort: () => controller.abort() }
}

/** Whether `token` may open one more: a command that starts and ends at once. */
async function placeFree(stack: Stack, token: string, session: string): Promise<boolean> {
  const probe = await exec(stack, token, session, 'echo started')
  await probe.done
  return probe.status === 200
}

/** Opens a session socket as `token`: its status (101 once open). */
function socketStatus(stack: Stack, token: string, session: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/${session}/ws`, {
      headers: { authorization: `Bearer ${token}` },
    })
    socket.once('open', () => (socket.close(), resolve(101)))
    socket.once('unexpected-response', (_req, res) => (res.resume(), resolve(res.statusCode ?? 0)))
    socket.once('error', reject)
  })
}

describe('exec streams per principal', () => {
  let stack: Stack
  let id: string
  const ann = PRINCIPALS.ann.token
  before(async () => {
    stack = await startTenancyStack({ settings: { maxSocketsPerPrincipal: MAX } })
    id = (await as(stack, 'ann', 'POST', '/sessions', {})).body['session'].id as string
  })
  after(() => stack.close())

  it('refuses a command past the limit, and a socket with it; an admin goes on', { timeout: 60_000 }, async () => {
    const held = [await exec(stack, ann, id, 'echo started; sleep 30'), await exec(stack, ann, id, 'echo started; sleep 30')]
    assert.deepEqual(
      held.map((h) => h.status),
      [200, 200],
    )
    const refused = await exec(stack, ann, id, 'echo started; touch past-the-limit')
    assert.equal(refused.status, 403)
    assert.equal(refused.body.code, 'FORBIDDEN')
    assert.deepEqual(refused.body.data, { action: 'socket_limit', limit: MAX, open: MAX })
    assert.equal((await as(stack, 'ann', 'GET', `/sessions/${id}/files/stat?path=past-the-limit`)).status, 404, 'the refused command ran')
    // One count with the WebSockets.
    assert.equal(await socketStatus(stack, ann, id), 403)
    const root = await Promise.all(Array.from({ length: MAX + 1 }, () => exec(stack, PRINCIPALS.root.token, id, 'echo started; sleep 30')))
    assert.ok(root.every((r) => r.status === 200))

    // The client going away frees its place.
    held[0]!.abort()
    await eventually(() => placeFree(stack, ann, id), 'a place was freed')
    for (const h of [...held, ...root]) h.abort()
    await Promise.all([...held, ...root].map((h) => h.done))
  })

  it('frees the place of a command that exits, and of one that cannot start', { timeout: 60_000 }, async () => {
    await eventually(() => placeFree(stack, ann, id), 'the commands before ended')
    // More commands than the limit, one after another: each exit gives its place back.
    for (let i = 0; i < MAX + 2; i++) assert.ok(await placeFree(stack, ann, id), `command ${i} was refused`)
    for (let i = 0; i < MAX + 2; i++) {
      const missing = await fetch(`${stack.url}/sessions/${id}/exec`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'no-such-program-here' }),
      })
      assert.equal(missing.status, 400)
      assert.equal(((await missing.json()) as any).code, 'EXEC_FAILED')
    }
    const bad = await exec(stack, ann, id, 'echo started')
    assert.equal(bad.status, 200)
    await bad.done
    // Both places are there at once.
    const both = [await exec(stack, ann, id, 'echo started; sleep 30'), await exec(stack, ann, id, 'echo started; sleep 30')]
    assert.deepEqual(
      both.map((h) => h.status),
      [200, 200],
    )
    for (const h of both) h.abort()
    await Promise.all(both.map((h) => h.done))
  })

  it('frees the place of a stream cut when its token is revoked', { timeout: 60_000 }, async () => {
    // Two tokens of one principal: one is revoked, the other counts on.
    const make = async () => {
      const made = await as(stack, 'root', 'POST', '/tokens', { label: 'erin', role: 'member' })
      assert.equal(made.status, 201)
      return { token: made.body['secret'] as string, tokenId: made.body['token'].id as string }
    }
    const [first, second] = [await make(), await make()]
    const session = (await as(stack, { token: second.token }, 'POST', '/sessions', {})).body['session'].id as string
    const cutOne = await exec(stack, first.token, session, 'echo started; sleep 30')
    const kept = await exec(stack, second.token, session, 'echo started; sleep 30')
    assert.deepEqual([cutOne.status, kept.status], [200, 200])
    assert.equal((await exec(stack, second.token, session, 'echo started')).status, 403)
    assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${first.tokenId}`)).status, 200)
    assert.equal((await cutOne.done).includes('"exit"'), false, 'the cut command ran to its end')
    await eventually(() => placeFree(stack, second.token, session), 'the cut stream freed its place')
    kept.abort()
    await kept.done
  })

  it('holds to the limit when commands race each other', { timeout: 60_000 }, async () => {
    const bobs = (await as(stack, 'bob', 'POST', '/sessions', {})).body['session'].id as string
    const all = await Promise.all(Array.from({ length: 6 }, () => exec(stack, PRINCIPALS.bob.token, bobs, 'echo started; sleep 30')))
    assert.deepEqual(all.map((r) => (r.status === 200 ? 'ran' : r.status)).sort(), [403, 403, 403, 403, 'ran', 'ran'])
    for (const r of all) r.abort()
    await Promise.all(all.map((r) => r.done))
  })
})
