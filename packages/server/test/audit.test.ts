// The audit log end to end: with two tokens (alice, bob), every action leaves exactly its entry
// with the principal of the token that did it, the client's address and the session; the log
// survives a restart; a secret planted in a prompt, an exec or a header never reaches it; and
// on a server without tokens the principal is `local`.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createLogger, startServer, type RunningServer } from '../src/index.js'
import { exec as execAs } from './files/helpers.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const ALICE = `tok-alice-${randomBytes(12).toString('hex')}`
const BOB = `tok-bob-${randomBytes(12).toString('hex')}`
const SECRET = `planted-secret-${randomBytes(8).toString('hex')}`

type Entry = { id: number; principal: string; action: string; sessionId?: string; remote?: string; detail: Record<string, unknown> }

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
const done = { content: [{ type: 'text' as const, text: 'done' }] }

async function call(base: string, token: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body })
  const text = await res.text()
  return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

describe('the audit log', () => {
  let stack: Stack
  let server: RunningServer
  let base: string
  const entries = async (query = ''): Promise<Entry[]> => {
    const res = await call(base, ALICE, 'GET', `/audit${query}`)
    assert.equal(res.status, 200, res.text)
    return res.json['entries'] as Entry[]
  }
  /** Runs `action`, then returns the entries it added (there must be exactly one). */
  const onlyEntry = async (action: () => Promise<unknown>): Promise<Entry> => {
    const before = (await entries()).at(-1)?.id ?? 0
    await action()
    const added = await entries(`?after=${before}`)
    assert.equal(added.length, 1, JSON.stringify(added))
    return added[0]!
  }
  const isLoopback = (remote: string | undefined) => remote === '127.0.0.1' || remote === '::ffff:127.0.0.1'

  before(async () => {
    stack = await startStack({
      scenario: { scripts: [{ match: { prompt: 'ask me' }, replies: [bash('echo asked > asked.txt'), done] }] },
      settings: {
        authTokens: [
          { label: 'alice', token: ALICE },
          { label: 'bob', token: BOB },
        ],
        prewarm: false,
      },
    })
    server = stack.server
    base = stack.url
  })
  after(async () => {
    await server.close()
    await stack.close()
  })

  it('records each action once with its principal, address and session', async () => {
    const created = await onlyEntry(() => call(base, ALICE, 'POST', '/sessions', JSON.stringify({ id: 'audited' })))
    assert.deepEqual([created.action, created.principal, created.sessionId], ['session_create', 'alice', 'audited'])
    assert.ok(isLoopback(created.remote), created.remote)

    const probe = await WsProbe.connect(`${base.replace(/^http/, 'ws')}/sessions/audited/ws?access_token=${BOB}`)
    const before = (await entries()).at(-1)!.id
    probe.send({
      type: 'user_message',
      data: { type: 'user', uuid: 'u-audit-1', message: { role: 'user', content: `ask me ${SECRET}` } },
    })
    const request = await probe.next((f: Frame) => f.type === 'permission_request')
    const prompted = await entries(`?after=${before}`)
    assert.deepEqual(
      prompted.map((e) => [e.action, e.principal, e.sessionId, e.detail['uuid']]),
      [['prompt', 'bob', 'audited', 'u-audit-1']],
    )
    assert.equal(prompted[0]!.detail['length'], `ask me ${SECRET}`.length)
    assert.ok(isLoopback(prompted[0]!.remote), prompted[0]!.remote)

    const answered = await onlyEntry(async () => {
      probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
      await probe.next((f: Frame) => f.type === 'permission_resolved')
    })
    assert.deepEqual(
      [answered.action, answered.principal, answered.detail['decision'], answered.detail['requestId']],
      ['permission_answer', 'bob', 'allow', request['requestId']],
    )
    assert.equal(sdkData(await probe.result())['is_error'], false)

    const interrupted = await onlyEntry(async () => {
      const from = probe.frames.length
      probe.send({ type: 'interrupt' })
      await probe.next((f: Frame) => f.type === 'error' && f['code'] === 'NOTHING_TO_INTERRUPT', { from })
    })
    assert.deepEqual([interrupted.action, interrupted.principal, interrupted.detail['interrupted']], ['interrupt', 'bob', false])
    probe.close()

    const ran = await onlyEntry(() =>
      fetch(`${base}/sessions/audited/exec`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ALICE}`, 'x-planted': SECRET },
        body: JSON.stringify({ command: `echo ${SECRET}`, shell: true, args: [SECRET], env: { PLANTED: SECRET }, stdin: SECRET }),
      }).then((res) => res.text()),
    )
    assert.deepEqual([ran.action, ran.principal, ran.sessionId, ran.detail['shell']], ['exec', 'alice', 'audited', true])

    const wrote = await onlyEntry(() => call(base, BOB, 'PUT', '/sessions/audited/files/content?path=notes/a.txt', `${SECRET}\n`))
    assert.deepEqual(
      [wrote.action, wrote.principal, wrote.sessionId, wrote.detail['path']],
      ['file_write', 'bob', 'audited', 'notes/a.txt'],
    )
    const made = await onlyEntry(() => call(base, BOB, 'POST', '/files/mkdir?path=made'))
    assert.deepEqual([made.action, made.sessionId, made.detail['path']], ['file_mkdir', 'default', 'made'])
    const removed = await onlyEntry(() => call(base, ALICE, 'DELETE', '/sessions/audited/files?path=notes&recursive=1'))
    assert.deepEqual([removed.action, removed.principal, removed.detail['path']], ['file_delete', 'alice', 'notes'])

    // Reads leave nothing; a refused write leaves nothing either.
    const last = (await entries()).at(-1)!.id
    await call(base, BOB, 'GET', '/sessions/audited/files')
    await call(base, BOB, 'PUT', '/sessions/audited/files/content?path=../out.txt', 'x')
    assert.deepEqual(await entries(`?after=${last}`), [])

    const deleted = await onlyEntry(() => call(base, ALICE, 'DELETE', '/sessions/audited'))
    assert.deepEqual([deleted.action, deleted.principal, deleted.sessionId], ['session_delete', 'alice', 'audited'])
  })

  it('filters by session and principal, pages with after and limit, and refuses bad parameters', async () => {
    const bySession = await entries('?session=audited')
    assert.ok(bySession.length >= 8 && bySession.every((e) => e.sessionId === 'audited'))
    const byBob = await entries('?principal=bob')
    assert.ok(byBob.length >= 4 && byBob.every((e) => e.principal === 'bob'))
    const first = await call(base, ALICE, 'GET', '/audit?limit=2')
    const page = first.json['entries'] as Entry[]
    assert.equal(page.length, 2)
    const second = await call(base, ALICE, 'GET', `/audit?limit=2&after=${String(first.json['next'])}`)
    assert.ok((second.json['entries'] as Entry[])[0]!.id > page[1]!.id)
    for (const query of ['?limit=0', '?limit=x', '?after=-1', '?after=1.5']) {
      const res = await call(base, ALICE, 'GET', `/audit${query}`)
      assert.deepEqual([res.status, res.json['code']], [400, 'INVALID_REQUEST'], query)
    }
    assert.equal((await fetch(`${base}/audit`)).status, 401)
  })

  it('takes the address from the socket, never from a forwarded header; a refused token leaves no entry and no trace', async () => {
    const forged = { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8', forwarded: 'for=203.0.113.9' }
    const created = await onlyEntry(() => call(base, ALICE, 'POST', '/sessions', JSON.stringify({ id: 'forged-from' }), forged))
    assert.ok(isLoopback(created.remote), created.remote)
    const wrong = `tok-wrong-${randomBytes(12).toString('hex')}`
    const before = (await entries()).at(-1)!.id
    assert.equal((await call(base, wrong, 'POST', '/sessions', JSON.stringify({ id: 'refused' }))).status, 401)
    assert.equal((await fetch(`${base}/sessions?access_token=${wrong}`, { method: 'POST', body: '{}' })).status, 401)
    assert.deepEqual(await entries(`?after=${before}`), [])
    assert.equal((await call(base, ALICE, 'GET', '/audit')).text.includes(wrong), false)
  })

  it('keeps no secret: no token, no prompt text, no exec script, argument, environment, input or header', async () => {
    const all = (await call(base, ALICE, 'GET', '/audit')).text
    for (const secret of [SECRET, ALICE, BOB]) assert.equal(all.includes(secret), false, `${secret.slice(0, 12)}… in the audit log`)
  })

  it('survives a restart', async () => {
    const kept = await entries()
    await server.close()
    server = await startServer({ settings: { ...stack.settings, port: 0 }, logger: createLogger({ level: 'silent' }) })
    base = server.url
    assert.deepEqual(await entries(), kept)
  })
})

describe('the audit log without tokens', () => {
  let stack: Stack
  before(async () => (stack = await startStack({ settings: { prewarm: false } })))
  after(() => stack.close())

  it('records the principal `local`', async () => {
    await execAs(stack.url, 'default', { command: 'true' })
    const res = await fetch(`${stack.url}/audit`)
    const [entry] = ((await res.json()) as { entries: Entry[] }).entries
    assert.deepEqual([entry?.action, entry?.principal, entry?.sessionId], ['exec', 'local', 'default'])
  })
})
