// onPermissionRequest and control requests against a scripted WebSocket peer: what the real
// server cannot be made to show on demand (a replay holding resolved and open requests, a drop
// before an answer or a control response, a control failure).
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type ClaudeAgentClientError, type PermissionRequest } from '../../src/index.js'
import { startFakeServer, type FakeConnection, type FakeServer } from '../helpers/fake-server.js'

const connected = (lastSeq: number, after?: number) => ({
  type: 'connected',
  sessionId: 's',
  demo: false,
  lastSeq,
  after: after ?? lastSeq,
})
const request = (requestId: string, seq: number, toolName = 'Bash') => ({
  type: 'permission_request',
  seq,
  requestId,
  toolName,
  input: { command: `echo ${requestId}` },
  suggestions: [{ type: 'addRules' }],
  agentId: 'agent-1',
  title: `Run ${requestId}?`,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
})
const resolved = (requestId: string, seq: number) => ({
  type: 'permission_resolved',
  seq,
  requestId,
  toolName: 'Bash',
  decision: 'allow',
  scope: 'once',
  reason: 'client',
  by: { connectionId: 'c_other' },
})
type Sent = { type: string; requestId?: string; decision?: string; id?: string; request?: { subtype: string }; [k: string]: unknown }
const answers = (c: FakeConnection) => (c.received as Sent[]).filter((f) => f.type === 'permission_response')
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5))
}

describe('onPermissionRequest (scripted peer)', () => {
  let fake: FakeServer
  let client: ClaudeAgentClient
  let errors: ClaudeAgentClientError[]

  beforeEach(async () => {
    fake = await startFakeServer()
    fake.onConnection = (c) => c.send(connected(0))
    errors = []
  })
  afterEach(async () => {
    await client.stop()
    await fake.close()
  })

  async function start(options: ConstructorParameters<typeof ClaudeAgentClient>[0] = {}) {
    client = new ClaudeAgentClient({
      connectionUrl: fake.url,
      sessionId: 's',
      reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
      ...options,
    })
    client.onError((e) => errors.push(e))
    await client.start()
    return fake.connections.at(-1)!
  }

  it('answers only the requests still open once the replay has caught up', async () => {
    fake.onConnection = (c) => {
      c.send(connected(4, 0))
      c.send(request('perm_done', 1))
      c.send(resolved('perm_done', 2))
      c.send(request('perm_open', 3))
      c.send({ type: 'session_state', seq: 4, state: 'waiting_for_approval' })
    }
    const asked: PermissionRequest[] = []
    let seqWhenAsked: number | undefined
    client = new ClaudeAgentClient({ connectionUrl: fake.url, sessionId: 's', after: 0 })
    client.onPermissionRequest((r) => {
      asked.push(r)
      seqWhenAsked = client.lastSeq
      return 'allow'
    })
    await client.start()
    const socket = fake.connections[0]!
    await until(() => answers(socket).length === 1)
    assert.deepEqual(
      asked.map((r) => r.requestId),
      ['perm_open'],
    )
    assert.equal(seqWhenAsked, 4, 'asked only after the replay reached connected.lastSeq')
    assert.deepEqual(answers(socket)[0], { type: 'permission_response', requestId: 'perm_open', decision: 'allow' })
    const [r] = asked
    assert.equal(r!.sessionId, 's')
    assert.equal(r!.agentId, 'agent-1')
    assert.equal(r!.title, 'Run perm_open?')
    assert.deepEqual(r!.suggestions, [{ type: 'addRules' }])
    assert.equal(r!.signal.aborted, false)
  })

  it('answers an open request the server resends to a live connection (an old seq)', async () => {
    fake.onConnection = (c) => {
      c.send(connected(7))
      c.send(request('perm_live', 6))
    }
    let calls = 0
    const socket = await (async () => {
      client = new ClaudeAgentClient({ connectionUrl: fake.url, sessionId: 's' })
      client.onPermissionRequest(() => (calls++, { behavior: 'deny', message: 'no' }))
      await client.start()
      return fake.connections[0]!
    })()
    await until(() => answers(socket).length === 1)
    assert.equal(calls, 1)
    assert.deepEqual(answers(socket)[0], { type: 'permission_response', requestId: 'perm_live', decision: 'deny', message: 'no' })
  })

  it('the first answer wins; undefined abstains; a throwing handler goes to onError and answers nothing', async () => {
    const socket = await start()
    client.onPermissionRequest(() => {
      throw new Error('handler bug')
    })
    client.onPermissionRequest(() => undefined)
    let releaseSlow!: () => void
    client.onPermissionRequest(() => new Promise((resolve) => (releaseSlow = () => resolve('deny'))))
    client.onPermissionRequest(async () => ({ behavior: 'allow', updatedInput: { command: 'echo edited' }, scope: 'session' }))
    socket.send(request('perm_race', 1))
    await until(() => answers(socket).length === 1)
    releaseSlow()
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(answers(socket), [
      {
        type: 'permission_response',
        requestId: 'perm_race',
        decision: 'allow',
        updatedInput: { command: 'echo edited' },
        scope: 'session',
      },
    ])
    assert.deepEqual(
      errors.map((e) => e.code),
      ['HANDLER_FAILED'],
    )

    const onlyThrows = await (async () => {
      await client.stop()
      errors = []
      return start()
    })()
    client.onPermissionRequest(() => Promise.reject(new Error('async bug')))
    onlyThrows.send(request('perm_left', 1))
    await until(() => errors.length === 1)
    assert.equal(errors[0]!.code, 'HANDLER_FAILED')
    assert.equal(answers(onlyThrows).length, 0, 'left to other clients or the timeout')
  })

  it('an invalid decision is reported and counts as no answer', async () => {
    const socket = await start()
    client.onPermissionRequest(() => ({ behavior: 'maybe' }) as never)
    socket.send(request('perm_bad', 1))
    await until(() => errors.length === 1)
    assert.equal(errors[0]!.code, 'HANDLER_FAILED')
    assert.equal(answers(socket).length, 0)
  })

  it('a handler registered later is asked about requests already open; resolution aborts its signal', async () => {
    const socket = await start()
    socket.send(request('perm_later', 1))
    await until(() => client.lastSeq === 1)
    let signal: AbortSignal | undefined
    client.onPermissionRequest((r) => {
      signal = r.signal
      return new Promise(() => {}) // a dialog nobody answers
    })
    assert.ok(signal, 'asked at once')
    const resolutions: string[] = []
    client.onPermissionResolved((f) => resolutions.push(`${f.requestId}:${f.reason}`))
    socket.send({ ...resolved('perm_later', 2), reason: 'timeout', decision: 'deny', by: undefined })
    await until(() => signal!.aborted)
    assert.equal((signal!.reason as { reason: string }).reason, 'timeout')
    assert.deepEqual(resolutions, ['perm_later:timeout'])
  })

  it('an answer given while reconnecting is sent after the reconnect, if the request is still open', async () => {
    const socket = await start()
    let decide!: (answer: 'allow') => void
    client.onPermissionRequest(() => new Promise((resolve) => (decide = resolve)))
    socket.send(request('perm_slow', 1))
    await until(() => decide !== undefined)
    fake.onConnection = () => {}
    const second = fake.nextConnection()
    socket.socket.terminate()
    const next = await second
    decide('allow')
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(answers(next).length, 0, 'nothing sent before connected')
    next.send(connected(1))
    await until(() => answers(next).length === 1)
    assert.equal(answers(next)[0]!.requestId, 'perm_slow')
  })
})

describe('control requests (scripted peer)', () => {
  let fake: FakeServer
  let client: ClaudeAgentClient

  beforeEach(async () => {
    fake = await startFakeServer()
    fake.onConnection = (c) => c.send(connected(0))
    client = new ClaudeAgentClient({ connectionUrl: fake.url, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } })
  })
  afterEach(async () => {
    await client.stop()
    await fake.close()
  })

  const controls = (c: FakeConnection) => (c.received as Sent[]).filter((f) => f.type === 'control')

  it('correlates responses by id, whatever their order', async () => {
    await client.start()
    const socket = fake.connections[0]!
    const models = client.listModels()
    const mode = client.setPermissionMode('plan')
    await until(() => controls(socket).length === 2)
    const [first, second] = controls(socket)
    assert.equal(first!.request!.subtype, 'list_models')
    assert.notEqual(first!.id, second!.id)
    socket.send({ type: 'control_response', id: second!.id, ok: true, result: { permissionMode: 'plan', applied: 'now' } })
    socket.send({ type: 'control_response', id: first!.id, ok: true, result: [{ value: 'm', displayName: 'M', description: 'd' }] })
    assert.deepEqual(await mode, { permissionMode: 'plan', applied: 'now' })
    assert.deepEqual(
      (await models).map((m) => m.value),
      ['m'],
    )
  })

  it('rejects CONTROL_FAILED with the wire error when the server says ok: false', async () => {
    await client.start()
    const socket = fake.connections[0]!
    const commands = client.listCommands()
    await until(() => controls(socket).length === 1)
    socket.send({ type: 'control_response', id: controls(socket)[0]!.id, ok: false, error: { code: 'CONTROL_FAILED', error: 'no CLI' } })
    await assert.rejects(commands, (e) => isClaudeAgentClientError(e, 'CONTROL_FAILED') && e.serverCode === 'CONTROL_FAILED')
  })

  it('rejects CONTROL_LOST when the connection drops first, NOT_CONNECTED before start()', async () => {
    await assert.rejects(client.setModel('x'), (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'))
    await client.start()
    const socket = fake.connections[0]!
    const pending = client.listMcpServers()
    await until(() => controls(socket).length === 1)
    socket.socket.terminate()
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CONTROL_LOST'))
    await until(() => client.isConnected)
    await assert.rejects(client.control({ subtype: 'set_permission_mode', mode: 'nope' } as never), (e) =>
      isClaudeAgentClientError(e, 'INVALID_ARGUMENT'),
    )
  })
})
