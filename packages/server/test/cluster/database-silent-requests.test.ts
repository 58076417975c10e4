// Requests that need the database while it does not answer (a real PostgreSQL SIGSTOPped under
// a real node) or is down: each is answered 503 STORE_FAILED within about
// DATABASE_QUERY_TIMEOUT_MS, never left hanging and never an INTERNAL 500; the server logs what
// failed without the database's password; once the database is back, the same requests work.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { clusterNode } from '../helpers/cluster-stack.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { as, PRINCIPALS, type Answer } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { within } from '../helpers/within.js'
import { WsProbe } from '../helpers/ws-probe.js'
import { watchSessionsLive } from '../helpers/sessions-live.js'

const QUERY_TIMEOUT_MS = 500
/** A liveness bound: far above what the timeout makes a request take. */
const ANSWERED_WITHIN_MS = 15_000

let postgres: PostgresServer
let stack: Stack
let paused = false
let halted = false

before(async () => {
  postgres = await startPostgres()
  const node = clusterNode('a', await postgres.database())
  stack = await startStack({ ...node, settings: { ...node.settings, databaseQueryTimeoutMs: QUERY_TIMEOUT_MS } })
  const created = await as(stack, 'ann', 'POST', '/sessions', { id: 'kept' })
  assert.equal(created.status, 201, created.text)
  // Its audit entry is written after the answer: in the database before the outage starts.
  const deadline = Date.now() + 10_000
  while (!(await as(stack, 'root', 'GET', '/audit')).text.includes('session_create')) {
    if (Date.now() > deadline) throw new Error('the session_create audit entry never appeared')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
})
after(async () => {
  if (paused) postgres?.unpause()
  if (halted) postgres?.resume()
  await stack?.close()
  await postgres?.stop()
})

const answered = (what: string, request: Promise<Answer>): Promise<Answer> => within(ANSWERED_WITHIN_MS, what, request)

/** What needs the database: the session list, a new session, a session's history. */
const requests = (): Array<[string, Promise<Answer>]> => [
  ['GET /sessions', as(stack, 'ann', 'GET', '/sessions')],
  ['POST /sessions', as(stack, 'ann', 'POST', '/sessions', {})],
  ['GET /sessions/kept/events', as(stack, 'ann', 'GET', '/sessions/kept/events?after=0')],
  ['GET /sessions-live?once=1', as(stack, 'ann', 'GET', '/sessions-live?once=1')],
]

function assertStoreFailed(what: string, answer: Answer): void {
  assert.equal(answer.status, 503, `${what}: ${answer.text}`)
  assert.equal(answer.body['code'], 'STORE_FAILED', `${what}: ${answer.text}`)
  assert.match(String(answer.body['error']), /database is unavailable/, what)
}

describe('requests while the database is unavailable', () => {
  it('answers 503 STORE_FAILED while the database does not answer, and logs why', async () => {
    const logged = stack.logLines.length
    postgres.pause()
    paused = true
    for (const [what, request] of requests()) assertStoreFailed(what, await answered(what, request))
    // Over a WebSocket too: the prompt is refused with its uuid, and the log says why.
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/kept/ws`, {
      headers: { authorization: `Bearer ${PRINCIPALS.ann.token}` },
    })
    const uuid = '5b0c1d1e-0000-4000-8000-00000000d00d'
    probe.send({ type: 'user_message', data: { type: 'user', session_id: 'kept', uuid, message: { role: 'user', content: 'hi' } } })
    const refused = await probe.next((f) => f.type === 'error', { timeoutMs: ANSWERED_WITHIN_MS })
    assert.equal(refused['code'], 'STORE_FAILED', JSON.stringify(refused))
    assert.deepEqual(refused['data'], { uuid })
    probe.socket.close()
    postgres.unpause()
    paused = false
    const lines = stack.logLines.slice(logged)
    assert.ok(
      lines.some((line) => line.startsWith('warn') && /database is unavailable/.test(line)),
      `a warning names the failure: ${lines.join('\n')}`,
    )
    assert.ok(
      lines.some((line) => line.startsWith('warn') && line.includes('"sessionId":"kept"') && /database is unavailable.*: \S/.test(line)),
      `a warning names the WebSocket prompt's failure and its cause: ${lines.join('\n')}`,
    )
    assert.ok(!lines.some((line) => line.startsWith('error')), `no INTERNAL error was logged: ${lines.join('\n')}`)
  })

  it('runs no command it cannot record in the audit log', async () => {
    // Exec needs nothing else of the database: without the audit it would run unrecorded.
    const ran = await as(stack, 'ann', 'POST', '/sessions/kept/exec', { command: 'echo', args: ['ran'] })
    assert.equal(ran.status, 200, ran.text)
    postgres.pause()
    paused = true
    const refused = await answered(
      'POST /sessions/kept/exec',
      as(stack, 'ann', 'POST', '/sessions/kept/exec', { command: 'echo', args: ['ran'] }),
    )
    postgres.unpause()
    paused = false
    assertStoreFailed('POST /sessions/kept/exec', refused)
    assert.doesNotMatch(refused.text, /"ran/, 'the command did not run')
  })

  it('answers 503 STORE_FAILED while the database is down', async () => {
    await postgres.checkpoint()
    postgres.halt()
    halted = true
    for (const [what, request] of requests()) assertStoreFailed(what, await answered(what, request))
    postgres.resume()
    halted = false
  })

  it('sends a live list opened during an outage once the database is back, warning once', async () => {
    await postgres.checkpoint()
    postgres.halt()
    halted = true
    const logged = stack.logLines.length
    const watchers = await Promise.all(['ann', 'ann', 'root'].map((who) => watchSessionsLive(stack, who as 'ann' | 'root')))
    // Each stream tries again on its own (about once a second) while the database is down.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    assert.ok(
      watchers.every((w) => w.lists.length === 0),
      'no list while the database is down',
    )
    postgres.resume()
    halted = false
    for (const watcher of watchers) {
      await watcher.until((list) => list.some((s) => s.id === 'kept'), 'the session kept')
      watcher.close()
    }
    const warned = stack.logLines.slice(logged).filter((line) => line.startsWith('warn') && line.includes('sessions list not sent'))
    assert.equal(warned.length, 1, `one warning for every stream's failures: ${warned.join('\n')}`)
    assert.ok(stack.logLines.slice(logged).some((line) => line.includes('sessions list sent again')))
  })

  it('serves the same requests once the database is back', async () => {
    const deadline = Date.now() + 30_000
    while ((await as(stack, 'ann', 'GET', '/sessions')).status !== 200) {
      if (Date.now() > deadline) throw new Error('GET /sessions never succeeded again')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const list = await as(stack, 'ann', 'GET', '/sessions')
    assert.ok(JSON.stringify(list.body).includes('"kept"'), list.text)
    const created = await as(stack, 'ann', 'POST', '/sessions', {})
    assert.equal(created.status, 201, created.text)
    assert.equal((await as(stack, 'ann', 'GET', '/sessions/kept/events?after=0')).status, 200)
  })
})
