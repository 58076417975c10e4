// Remote tool approval with the real CLI: allow, deny (the model reads the message), allow with
// an edited input, allow for the session, two clients racing, a late client, a timeout.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { lastTurnRequest, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData, type Frame } from './helpers/ws-probe.js'

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] })
const done = { content: [{ type: 'text' as const, text: 'Tool said: {{toolResult}}' }] }
const isRequest = (f: Frame) => f.type === 'permission_request'
const isResolved = (f: Frame) => f.type === 'permission_resolved'

describe('remote tool approval', () => {
  let stack: Stack
  let n = 0
  /** A fresh session (default permission mode: ask) and a client on it; all share one workspace. */
  const session = async (query = '') => {
    const id = `approve-${++n}`
    await api(stack.url, 'POST', '/sessions', { id, config: { workspace: { shared: 'approvals' } } })
    const url = `${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`
    return { id, url, probe: await WsProbe.connect(url + query) }
  }
  const file = (name: string) => join(stack.sharedWorkspace('approvals'), name)

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          { match: { prompt: 'allow me' }, replies: [bash('echo yes > allowed.txt'), done] },
          { match: { prompt: 'deny me' }, replies: [bash('echo no > denied.txt'), done] },
          { match: { prompt: 'edit me' }, replies: [bash('echo original > original.txt'), done] },
          { match: { prompt: 'twice' }, replies: [bash('echo 1 > twice-1.txt'), bash('echo 2 > twice-2.txt'), done] },
          { match: { prompt: 'race' }, replies: [bash('echo raced > raced.txt'), done] },
          { match: { prompt: 'late' }, replies: [bash('echo late > late.txt'), done] },
        ],
      },
    })
  })
  after(() => stack.close())

  it('allows a call: the tool runs, every client sees who decided', async () => {
    const { id, probe } = await session('?label=alice')
    probe.prompt('allow me')
    const request = await probe.next(isRequest)
    assert.equal(request['toolName'], 'Bash')
    assert.equal((request['input'] as { command: string }).command, 'echo yes > allowed.txt')
    assert.equal(typeof request['seq'], 'number', 'the request is a logged event')
    const state = (await api(stack.url, 'GET', `/sessions/${id}`)).body['session'].state
    assert.equal(state, 'waiting_for_approval')
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow' })
    const resolved = await probe.next(isResolved)
    assert.deepEqual([resolved['decision'], resolved['reason'], resolved['scope']], ['allow', 'client', 'once'])
    assert.equal((resolved['by'] as { label: string }).label, 'alice')
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false)
    assert.ok(existsSync(file('allowed.txt')), 'the tool ran')

    const audit = (await api(stack.url, 'GET', `/sessions/${id}/permissions`)).body['events'] as Frame[]
    assert.deepEqual(
      audit.map((e) => e.type),
      ['permission_request', 'permission_resolved'],
    )
    assert.equal((audit[1]!['by'] as { connectionId: string }).connectionId.startsWith('c_'), true)
    assert.equal(typeof audit[1]!['at'], 'string')
    probe.close()
  })

  it('denies a call: the tool does not run and the model reads the message', async () => {
    const { probe } = await session()
    probe.prompt('deny me')
    const request = await probe.next(isRequest)
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'deny', message: 'Not on my machine, thanks' })
    await probe.result()
    assert.equal(existsSync(file('denied.txt')), false, 'the tool did not run')
    assert.ok(lastTurnRequest(stack).includes('Not on my machine, thanks'), 'the model saw the deny message')
    probe.close()
  })

  it('allows with an edited input: the edited command is what runs', async () => {
    const { probe } = await session()
    probe.prompt('edit me')
    const request = await probe.next(isRequest)
    probe.send({
      type: 'permission_response',
      requestId: request['requestId'],
      decision: 'allow',
      updatedInput: { command: 'echo edited > edited.txt' },
    })
    const resolved = await probe.next(isResolved)
    assert.deepEqual(resolved['updatedInput'], { command: 'echo edited > edited.txt' })
    await probe.result()
    assert.ok(existsSync(file('edited.txt')), 'the edited command ran')
    assert.equal(existsSync(file('original.txt')), false, 'the original did not')
    probe.close()
  })

  it('allows a tool for the session: the second call is not asked', async () => {
    const { id, probe } = await session()
    probe.prompt('twice')
    const request = await probe.next(isRequest)
    probe.send({ type: 'permission_response', requestId: request['requestId'], decision: 'allow', scope: 'session' })
    await probe.result()
    assert.ok(existsSync(file('twice-1.txt')) && existsSync(file('twice-2.txt')))
    assert.equal(probe.frames.filter(isRequest).length, 1, 'asked once')
    const reasons = probe.frames.filter(isResolved).map((f) => f['reason'])
    assert.deepEqual(reasons, ['client', 'session_rule'])
    const audit = (await api(stack.url, 'GET', `/sessions/${id}/permissions`)).body['events'] as Frame[]
    assert.equal(audit.length, 3)
    probe.close()
  })

  it('lets the first of two racing clients win; the other gets PERMISSION_NOT_PENDING', async () => {
    const { url, probe: a } = await session()
    const b = await WsProbe.connect(url)
    a.prompt('race')
    const request = await a.next(isRequest)
    await b.next(isRequest)
    const answer = { type: 'permission_response', requestId: request['requestId'], decision: 'allow' }
    a.send(answer)
    b.send({ ...answer, decision: 'deny' })
    const late = await b.next((f) => f.type === 'error')
    assert.equal(late['code'], 'PERMISSION_NOT_PENDING')
    await a.result()
    await b.result()
    for (const p of [a, b]) {
      const resolutions = p.frames.filter(isResolved)
      assert.equal(resolutions.length, 1, 'one resolution, seen by both')
      assert.equal(resolutions[0]!['decision'], 'allow')
    }
    assert.ok(existsSync(file('raced.txt')))
    a.close()
    b.close()
  })

  it('sends an open request to a client that connects after it was made', async () => {
    const { url, probe } = await session()
    probe.prompt('late')
    const request = await probe.next(isRequest)
    const late = await WsProbe.connect(url)
    const seen = await late.next(isRequest)
    assert.equal(seen['requestId'], request['requestId'])
    late.send({ type: 'permission_response', requestId: seen['requestId'], decision: 'allow' })
    await probe.result()
    assert.ok(existsSync(file('late.txt')))
    probe.close()
    late.close()
  })

  it('refuses malformed answers with codes', async () => {
    const { probe } = await session()
    probe.send({ type: 'permission_response', requestId: 'perm_nope', decision: 'allow' })
    assert.equal((await probe.next((f) => f.type === 'error'))['code'], 'PERMISSION_NOT_PENDING')
    const from = probe.frames.length
    probe.send({ type: 'permission_response', requestId: 'x', decision: 'maybe' })
    assert.equal((await probe.next((f) => f.type === 'error', { from }))['code'], 'INVALID_FRAME')
    probe.close()
  })
})

describe('approval timeout', () => {
  it('denies a request nobody answers and completes the turn', async () => {
    const stack = await startStack({
      scenario: { scripts: [{ match: { prompt: 'wait for me' }, replies: [bash('echo t > timed-out.txt'), done] }] },
      settings: { permissionTimeoutMs: 300 },
    })
    try {
      await api(stack.url, 'POST', '/sessions', { id: 'slowpoke' })
      const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/slowpoke/ws`)
      probe.prompt('wait for me')
      const resolved = await probe.next(isResolved)
      assert.deepEqual([resolved['decision'], resolved['reason']], ['deny', 'timeout'])
      const result = sdkData(await probe.result())
      assert.equal(result['subtype'], 'success')
      assert.equal(existsSync(join(stack.workspaceOf('slowpoke'), 'timed-out.txt')), false)
      assert.ok(lastTurnRequest(stack).includes('No decision within'), 'the model was told why')
      probe.close()
    } finally {
      await stack.close()
    }
  })
})
