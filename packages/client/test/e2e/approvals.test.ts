// Human in the loop, client side, against the real server, SDK and CLI (scripted model):
// onPermissionRequest allowing, denying, editing, allowing for the session; a request resolved
// before a replaying client catches up is not answered again, an open one is; the default
// session asks once its config says so; live control helpers.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, type PermissionRequest, type PermissionResolvedFrame, type ServerFrame } from '../../src/index.js'
import { bash, done, madeInAWorkspace, startStack, waitFor, type Stack } from './helpers/stack.js'

const turnRequests = (stack: Stack) => stack.model.requests.filter((r) => r.kind === 'turn' || r.kind === 'fallback')

describe('onPermissionRequest end to end', () => {
  let stack: Stack
  let n = 0
  const clients: ClaudeAgentClient[] = []

  /** A fresh named session (it asks before tools run) and a client on it. */
  async function session(options: ConstructorParameters<typeof ClaudeAgentClient>[0] = {}) {
    const id = `ask-${++n}`
    const client = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: id, ...options })
    clients.push(client)
    await client.sessions.create({ id })
    return { id, client }
  }

  before(async () => {
    stack = await startStack({
      scripts: [
        { match: { prompt: 'allow me' }, replies: [bash('echo yes > allowed.txt'), done] },
        { match: { prompt: 'deny me' }, replies: [bash('echo no > denied.txt'), done] },
        { match: { prompt: 'edit me' }, replies: [bash('echo original > original.txt'), done] },
        { match: { prompt: 'twice' }, replies: [bash('echo 1 > twice-1.txt'), bash('echo 2 > twice-2.txt'), done] },
        { match: { prompt: 'answered before' }, replies: [bash('echo a > before.txt'), done] },
        { match: { prompt: 'answer me late' }, replies: [bash('echo b > late.txt'), done] },
        { match: { prompt: 'default session' }, replies: [bash('echo c > default.txt'), done] },
        { match: { prompt: 'which model' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'some model' }] }] },
      ],
    })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('allows: the tool runs; the request is typed; the resolution names this client', async () => {
    const { client } = await session({ label: 'alice' })
    const asked: PermissionRequest[] = []
    const resolutions: PermissionResolvedFrame[] = []
    client.onPermissionRequest((request) => {
      asked.push(request)
      return { behavior: 'allow' }
    })
    client.onPermissionResolved((frame) => resolutions.push(frame))
    await client.start()
    const result = await client.prompt('allow me')
    assert.equal(result.is_error, false)
    assert.ok(madeInAWorkspace(stack.settings, 'allowed.txt'), 'the tool ran')
    assert.equal(asked.length, 1)
    assert.equal(asked[0]!.toolName, 'Bash')
    assert.equal(asked[0]!.input['command'], 'echo yes > allowed.txt')
    assert.equal(typeof asked[0]!.expiresAt, 'string')
    assert.equal(asked[0]!.signal.aborted, true, 'the resolution aborted the signal')
    assert.deepEqual(
      resolutions.map((r) => [r.decision, r.reason, r.by?.label]),
      [['allow', 'client', 'alice']],
    )
  })

  it('denies with a message: the tool does not run and the model reads it', async () => {
    const { client } = await session()
    client.onPermissionRequest(() => ({ behavior: 'deny', message: 'Not on my machine, thanks' }))
    await client.start()
    await client.prompt('deny me')
    assert.equal(madeInAWorkspace(stack.settings, 'denied.txt'), false)
    assert.ok(JSON.stringify(turnRequests(stack).at(-1)?.body).includes('Not on my machine, thanks'))
  })

  it('allows with an edited input: the edited command runs instead', async () => {
    const { client } = await session()
    client.onPermissionRequest(async (request) => ({
      behavior: 'allow',
      updatedInput: { ...request.input, command: 'echo edited > edited.txt' },
    }))
    await client.start()
    await client.prompt('edit me')
    assert.ok(madeInAWorkspace(stack.settings, 'edited.txt'))
    assert.equal(madeInAWorkspace(stack.settings, 'original.txt'), false)
  })

  it('allows for the session: the second call is not asked', async () => {
    const { client } = await session()
    let calls = 0
    const reasons: string[] = []
    client.onPermissionRequest(() => (calls++, { behavior: 'allow', scope: 'session' }))
    client.onPermissionResolved((frame) => reasons.push(frame.reason))
    await client.start()
    await client.prompt('twice')
    assert.ok(madeInAWorkspace(stack.settings, 'twice-1.txt') && madeInAWorkspace(stack.settings, 'twice-2.txt'))
    assert.equal(calls, 1)
    assert.deepEqual(reasons, ['client', 'session_rule'])
  })

  it('a replaying client does not answer a request resolved earlier in the log', async () => {
    const { id, client } = await session()
    client.onPermissionRequest(() => 'allow')
    await client.start()
    await client.prompt('answered before')
    const { lastSeq } = await client.sessions.get(id)

    const late = await client.sessions.attach(id, { after: 0 })
    let asked = 0
    const errors: ServerFrame[] = []
    late.onPermissionRequest(() => (asked++, 'deny'))
    late.onMessage((frame) => frame.type === 'error' && errors.push(frame))
    await waitFor(() => (late.lastSeq ?? 0) >= lastSeq, 'the replay to catch up')
    assert.equal(asked, 0, 'the replayed request was resolved already')
    assert.deepEqual(errors, [], 'no late answer (PERMISSION_NOT_PENDING)')
    await late.close()
  })

  it('a client attaching with a replay answers a request still open', async () => {
    const { id, client } = await session()
    const frames: ServerFrame[] = []
    client.onMessage((frame) => frames.push(frame))
    await client.start() // no handler: the request waits
    const turn = client.prompt('answer me late')
    await waitFor(() => frames.some((f) => f.type === 'permission_request'), 'the request')

    const late = await client.sessions.attach(id, { after: 0, label: 'bob' })
    let asked = 0
    late.onPermissionRequest(() => (asked++, 'allow'))
    const result = await turn
    assert.equal(result.is_error, false)
    assert.equal(asked, 1)
    assert.ok(madeInAWorkspace(stack.settings, 'late.txt'))
    const resolution = frames.find((f): f is PermissionResolvedFrame => f.type === 'permission_resolved')
    assert.equal(resolution?.by?.label, 'bob')
    await late.close()
  })

  it('the default session asks when its config says so (permissionMode: default)', async () => {
    const client = new ClaudeAgentClient({ connectionUrl: stack.url, permissionMode: 'default' })
    clients.push(client)
    let asked = 0
    client.onPermissionRequest(() => (asked++, 'allow'))
    await client.start()
    await client.prompt('default session')
    assert.equal(asked, 1)
    assert.ok(madeInAWorkspace(stack.settings, 'default.txt'))
  })

  it('control helpers: list commands and models, set the model and the permission mode', async () => {
    const { id, client } = await session()
    await client.start()
    const commands = await client.listCommands()
    assert.ok(commands.length > 0 && typeof commands[0]!.name === 'string')
    assert.ok(Array.isArray(await client.listModels()))
    assert.ok(Array.isArray(await client.listMcpServers()))

    const model = await client.setModel('claude-switched-by-client')
    assert.equal(model.model, 'claude-switched-by-client')
    assert.ok(['now', 'next_turn'].includes(model.applied))
    await client.prompt('which model')
    assert.ok(JSON.stringify(turnRequests(stack).at(-1)?.body).includes('"model":"claude-switched-by-client"'))

    assert.equal((await client.setPermissionMode('acceptEdits')).permissionMode, 'acceptEdits')
    assert.equal((await client.sessions.get(id)).config.permissionMode, 'acceptEdits')
    assert.deepEqual(await client.control({ subtype: 'interrupt' }), { interrupted: false })
  })
})
