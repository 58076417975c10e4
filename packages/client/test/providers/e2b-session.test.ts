// One E2B sandbox per session id, offline: the real `e2b` SDK against the E2B fake, whose
// sandboxes run our real server with the scripted model. A client with `e2b.sessionId` creates the
// session's sandbox when there is none, finds and reuses it while it runs, resumes it when paused,
// recreates it once killed; another id gets another sandbox; two clients at once share one.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Sandbox } from 'e2b'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { ClaudeAgentClient, isClaudeAgentClientError, type ClaudeAgentClientOptions } from '../../src/index.js'
import { SESSION_METADATA_KEY } from '../../src/providers/e2b-session.js'
import { startE2BFake, type E2BFake, type FakeSandbox } from '../e2b-fake/index.js'
import { serverTemplate } from '../e2b-fake/template.js'

const E2B_KEY = `e2b_${randomBytes(20).toString('hex')}`
const RUN = randomBytes(4).toString('hex')

let model: Awaited<ReturnType<typeof startScriptedModel>>
let fake: E2BFake
const clients: ClaudeAgentClient[] = []

before(async () => {
  model = await startScriptedModel({
    scenario: { scripts: [{ match: { prompt: 'ping' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'pong' }] }] }] },
  })
  fake = await startE2BFake({ apiKey: E2B_KEY, templates: { 'claude-agent-server': await serverTemplate() } })
})

after(async () => {
  await Promise.all(clients.map((client) => client.stop()))
  await fake?.close()
  await model?.close()
})

const connection = () => ({
  apiUrl: fake.apiUrl,
  sandboxUrl: fake.sandboxUrl,
  serverUrl: (host: string) => fake.serverUrl(host),
  env: { ANTHROPIC_BASE_URL: model.url, CLAUDE_CODE_MAX_RETRIES: '0' },
  inheritCredentials: false,
})

/** A client of session `sessionId` (stopped at the end if the test does not stop it). */
function sessionClient(sessionId: string, e2b: NonNullable<ClaudeAgentClientOptions['e2b']> = {}): ClaudeAgentClient {
  const client = new ClaudeAgentClient({
    e2bApiKey: E2B_KEY,
    anthropicApiKey: `sk-ant-session-${randomBytes(8).toString('hex')}`,
    connectTimeoutMs: 60_000,
    e2b: { ...connection(), sessionId, ...e2b },
  })
  clients.push(client)
  return client
}

const sandboxOf = (client: ClaudeAgentClient): FakeSandbox => {
  const sandbox = fake.sandboxes.get(String(client.sandbox?.id))
  assert.ok(sandbox, 'the client runs in a sandbox of the fake')
  return sandbox
}
const sessionSandboxes = (id: string) => [...fake.sandboxes.values()].filter((s) => s.metadata[SESSION_METADATA_KEY] === id)
const live = (sandbox: FakeSandbox) => sandbox.processes.filter(({ child }) => child.exitCode === null && child.signalCode === null)

describe('e2b provider: one sandbox per session id', () => {
  const id = `user-${RUN}`
  let sandbox: FakeSandbox

  it('creates the sandbox when the session has none, with the session in its metadata', async () => {
    const first = sessionClient(id, { metadata: { team: 'blue' }, onClose: 'pause' })
    await first.start()
    sandbox = sandboxOf(first)
    assert.deepEqual(sandbox.metadata, { team: 'blue', [SESSION_METADATA_KEY]: id })
    assert.equal((await first.prompt('ping')).result, 'pong')
    await first.stop()
    assert.equal(sandbox.state, 'paused', "onClose 'pause': stop() paused the sandbox instead of killing it")
  })

  it('resumes the paused sandbox, its server and history as they were', async () => {
    const second = sessionClient(id)
    await second.start()
    assert.equal(second.sandbox?.id, sandbox.id)
    assert.equal(sandbox.state, 'running')
    assert.equal(sandbox.processes.length, 1, 'the same server, not a new one')
    assert.ok((await second.sessions.get('default')).lastSeq > 0, 'with the first client’s history')

    const third = sessionClient(id, { onClose: 'keep' })
    await third.start()
    assert.equal(third.sandbox?.id, sandbox.id, 'a running sandbox is found and reused')
    assert.equal(sandbox.processes.length, 1)
    assert.equal((await third.prompt('ping')).result, 'pong')
    await third.stop()
    assert.equal(sandbox.state, 'running', "onClose 'keep': stop() left it to the other client")
    assert.equal((await second.prompt('ping')).result, 'pong')
    await second.stop()
    assert.equal(sandbox.state, 'killed', 'by default, stop() kills it')
  })

  it('recreates a killed sandbox; another session id gets its own', async () => {
    const again = sessionClient(id)
    await again.start()
    assert.notEqual(again.sandbox?.id, sandbox.id)
    assert.equal(sandboxOf(again).state, 'running')
    assert.deepEqual(
      sessionSandboxes(id).map((s) => s.state),
      ['killed', 'running'],
    )
    const other = sessionClient(`${id}-other`)
    await other.start()
    assert.notEqual(other.sandbox?.id, again.sandbox?.id)
    assert.equal(sandboxOf(other).metadata[SESSION_METADATA_KEY], `${id}-other`)
    await Promise.all([again.stop(), other.stop()])
  })
})

describe('e2b provider: two clients of one session at once', () => {
  it('starting together, they end up in one sandbox with one server', async () => {
    const id = `race-${RUN}`
    // Both look before either has created one: both create (E2B cannot refuse the second).
    fake.inject('list', { together: 2 }, 2)
    const [a, b] = [sessionClient(id), sessionClient(id)]
    await Promise.all([a.start(), b.start()])
    assert.equal(a.sandbox?.id, b.sandbox?.id)
    const made = sessionSandboxes(id)
    assert.equal(made.length, 2, 'both created one')
    const [oldest, younger] = made.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime() || (x.id < y.id ? -1 : 1))
    assert.equal(a.sandbox?.id, oldest!.id, 'both use the oldest')
    assert.equal(younger!.state, 'killed', 'its creator killed the other')
    const running = oldest
    assert.equal(live(running!).length, 1, 'one server')
    assert.deepEqual(await Promise.all([a.prompt('ping'), b.prompt('ping')]).then((r) => r.map((x) => x.result)), ['pong', 'pong'])
    await Promise.all([a.stop(), b.stop()])
  })

  it('joining a sandbox together, one starts the server and the other waits for it', async () => {
    const id = `join-${RUN}`
    // The session's sandbox exists, its server not started yet (as while its creator starts it).
    const made = await Sandbox.create('claude-agent-server', {
      apiKey: E2B_KEY,
      metadata: { [SESSION_METADATA_KEY]: id },
      ...({ apiUrl: fake.apiUrl, sandboxUrl: fake.sandboxUrl } as object),
    })
    const [a, b] = [sessionClient(id), sessionClient(id)]
    await Promise.all([a.start(), b.start()])
    const sandbox = fake.sandboxes.get(made.sandboxId)!
    assert.equal(a.sandbox?.id, made.sandboxId)
    assert.equal(b.sandbox?.id, made.sandboxId)
    assert.equal(live(sandbox).length, 1, 'one server runs; the second start found the lock taken')
    assert.deepEqual(await Promise.all([a.prompt('ping'), b.prompt('ping')]).then((r) => r.map((x) => x.result)), ['pong', 'pong'])
    await Promise.all([a.stop(), b.stop()])
  })

  it('a sandbox killed between the list and the connect is replaced by a new one', async () => {
    const id = `gone-${RUN}`
    const first = sessionClient(id, { onClose: 'keep' })
    await first.start()
    const listed = sandboxOf(first)
    await first.stop()
    // Killed after the list answered, just before the connect: E2B answers that one 404.
    fake.inject('connect', { before: () => listed.kill('kill') })
    const second = sessionClient(id)
    await second.start()
    assert.notEqual(second.sandbox?.id, listed.id)
    assert.equal((await second.prompt('ping')).result, 'pong')
    await second.stop()
  })

  it('an E2B that refuses the key: PROVIDER_FAILED naming the session, no sandbox made', async () => {
    const made = fake.sandboxes.size
    const client = new ClaudeAgentClient({ e2bApiKey: `e2b_${'0'.repeat(40)}`, e2b: { ...connection(), sessionId: 'refused' } })
    await assert.rejects(client.start(), (error: unknown) => {
      assert.ok(isClaudeAgentClientError(error, 'PROVIDER_FAILED'), String(error))
      assert.match(error.message, /could not find or create the sandbox of session refused: E2B refused the API key \(HTTP 401\)/)
      return true
    })
    await client.stop()
    assert.equal(fake.sandboxes.size, made)
  })

  it('sessionId with sandboxId, an empty one, or an unknown onClose is refused', () => {
    for (const options of [
      { e2bApiKey: E2B_KEY, sandboxId: 'x', e2b: { sessionId: 'y' } },
      { e2bApiKey: E2B_KEY, e2b: { sessionId: '' } },
      { e2bApiKey: E2B_KEY, e2b: { onClose: 'destroy' as 'kill' } },
    ]) {
      assert.throws(
        () => new ClaudeAgentClient(options),
        (error: unknown) => isClaudeAgentClientError(error, 'INVALID_ARGUMENT'),
      )
    }
  })
})
