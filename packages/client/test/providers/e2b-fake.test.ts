// The E2B provider end to end, offline: the real `e2b` SDK against the E2B fake (control plane and
// envd on loopback), whose sandboxes run our real server (packages/server/dist/main.js) with the
// scripted model. The provider contract, then the whole lifecycle: create with the credential,
// health, a turn outliving the sandbox timeout (kept alive), pause, resume, reconnect by id, kill
// on stop(); then the failures, each answered at once with PROVIDER_FAILED naming its cause.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Sandbox } from 'e2b'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { ClaudeAgentClient, isClaudeAgentClientError } from '../../src/index.js'
import { E2BProvider, E2B_START_COMMAND, type E2BProviderOptions } from '../../src/providers/e2b.js'
import { startE2BFake, type E2BFake, type FakeSandbox } from '../e2b-fake/index.js'
import { collectGarbageEvery } from '../helpers/gc.js'
import { closedPort } from '../e2b-fake/sandbox.js'
import { serverTemplate } from '../e2b-fake/template.js'
import { providerContract } from './contract.js'

const E2B_KEY = `e2b_${randomBytes(20).toString('hex')}`
const ANTHROPIC_KEY = `sk-ant-e2b-fake-${randomBytes(12).toString('hex')}`
const RUN = randomBytes(4).toString('hex')
const SLOW_TEXT = 'kept alive while this answer streams in, slowly, chunk by chunk. '.repeat(3)

let model: Awaited<ReturnType<typeof startScriptedModel>> | undefined
let fake: E2BFake | undefined
const brokenDirs: string[] = []

async function startFake(): Promise<void> {
  model ??= await startScriptedModel({
    scenario: {
      scripts: [
        { match: { prompt: 'contract ping' }, replies: [{ content: [{ type: 'text', text: 'contract pong' }] }] },
        // Streams for longer than the sandbox timeout below, so only the keep-alive saves it.
        { match: { prompt: 'a slow turn' }, replies: [{ content: [{ type: 'text', text: SLOW_TEXT }], chunkSize: 4, chunkDelayMs: 150 }] },
        { match: { prompt: 'after resume' }, replies: [{ content: [{ type: 'text', text: 'resumed fine' }] }] },
        { match: { prompt: 'after reconnect' }, replies: [{ content: [{ type: 'text', text: 'same sandbox' }] }] },
      ],
    },
  })
  fake ??= await startE2BFake({
    apiKey: E2B_KEY,
    templates: {
      'claude-agent-server': await serverTemplate(),
      'server-never-listens': await serverTemplate(fakeApp('setInterval(() => {}, 1000)')),
      'server-exits': await serverTemplate(fakeApp('console.error("no bubblewrap here"); process.exit(3)')),
    },
  })
}

/** An app directory whose server main.js is `code`, for a template whose server is broken. */
function fakeApp(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cas-e2b-broken-'))
  mkdirSync(join(dir, 'packages', 'server', 'dist'), { recursive: true })
  writeFileSync(join(dir, 'packages', 'server', 'dist', 'main.js'), code)
  brokenDirs.push(dir)
  return dir
}

/** Where the fake is and what the sandbox's server needs (the model), for the provider. */
const connection = (): Omit<
  E2BProviderOptions,
  'apiKey' | 'template' | 'timeoutMs' | 'sandboxId' | 'anthropicApiKey' | 'token' | 'log'
> => ({
  apiUrl: fake!.apiUrl,
  sandboxUrl: fake!.sandboxUrl,
  serverUrl: (host) => fake!.serverUrl(host),
  env: { ANTHROPIC_BASE_URL: model!.url, CLAUDE_CODE_MAX_RETRIES: '0' },
  inheritCredentials: false,
})

// The SDK reads apiUrl here too; its list options' type just does not name it.
const listed = async (metadata: Record<string, string>) =>
  Sandbox.list({ apiKey: E2B_KEY, query: { metadata }, ...({ apiUrl: fake!.apiUrl } as object) }).nextItems()

after(async () => {
  await fake?.close()
  await model?.close()
  for (const dir of brokenDirs) rmSync(dir, { recursive: true, force: true })
})

providerContract({
  name: 'e2b',
  make: () => new E2BProvider({ apiKey: E2B_KEY, anthropicApiKey: ANTHROPIC_KEY, ...connection() }),
  prompt: { text: 'contract ping', expect: 'contract pong' },
  setup: startFake,
})

describe('e2b provider lifecycle against the E2B fake', () => {
  let first: ClaudeAgentClient
  let sandbox: FakeSandbox
  const metadata = { suite: 'e2b-lifecycle', run: RUN }

  before(startFake)
  after(async () => {
    await first?.stop()
  })

  it('creates a sandbox with the key, starts the server with the credential, waits for its health', async () => {
    first = new ClaudeAgentClient({
      e2bApiKey: E2B_KEY,
      anthropicApiKey: ANTHROPIC_KEY,
      template: 'claude-agent-server',
      timeoutMs: 6_000,
      connectTimeoutMs: 60_000,
      e2b: { ...connection(), metadata, keepAliveIntervalMs: 1_000 },
    })
    await first.start()
    sandbox = fake!.sandboxes.get(String(first.sandbox?.id))!
    assert.ok(sandbox, 'the client runs in a sandbox of the fake')
    assert.equal(sandbox.state, 'running')
    const [server] = sandbox.processes
    assert.ok(server?.cmd.endsWith(`exec ${E2B_START_COMMAND}`), server?.cmd)
    assert.equal(server?.envs['ANTHROPIC_API_KEY'], ANTHROPIC_KEY, 'the credential went in the server environment')
    assert.match(server?.envs['AUTH_TOKEN'] ?? '', /^\S{32,}$/, 'with a fresh token')
    assert.equal(first.connection?.demo, false, 'the server found the credential')
    assert.equal((await first.getConfig()).config.anthropicApiKey, undefined, 'and /config never carried it')
    const found = await listed(metadata)
    assert.deepEqual(
      found.map((s) => [s.sandboxId, s.state, s.metadata]),
      [[sandbox.id, 'running', metadata]],
    )
  })

  it('keeps the sandbox alive while a turn runs longer than its timeout', async () => {
    const before = fake!.calls.length
    // Were the sandbox's timeout to end it mid-turn, the client would keep reconnecting: fail at once instead.
    const killed = new AbortController()
    const watch = setInterval(
      () => sandbox.state === 'killed' && killed.abort(new Error(`the sandbox was killed (${sandbox.killedBy}) mid-turn`)),
      50,
    )
    const result = await first.prompt('a slow turn', { signal: killed.signal }).finally(() => clearInterval(watch))
    assert.equal(result.is_error, false, JSON.stringify(result))
    assert.equal(result.result, SLOW_TEXT)
    const extended = fake!.calls.slice(before).filter((c) => c.route === 'timeout' && c.sandboxId === sandbox.id)
    assert.ok(extended.length >= 1, 'setTimeout was called while the turn ran')
    assert.equal(sandbox.state, 'running', 'the 6 s timeout did not end the sandbox mid-turn')
  })

  it('does not keep the sandbox alive for a prompt the server refused (no turn started)', async () => {
    const uuid = randomUUID()
    const refused = new Promise<void>((resolve) => {
      const off = first.onMessage((frame) => {
        if (frame.type === 'error' && (frame.data as { uuid?: string } | undefined)?.uuid === uuid) resolve(off())
      })
    })
    // A text block without its text: the server refuses the prompt (INVALID_FRAME naming its uuid).
    first.send({
      type: 'user_message',
      data: { type: 'user', uuid, session_id: '', parent_tool_use_id: null, message: { role: 'user', content: [{ type: 'text' }] } },
    } as never)
    await refused
    // The renewal the prompt's sending made at once may still be on its way to the fake: let it land.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const before = fake!.calls.length
    // Two and a half keep-alive intervals (1 s): a keep-alive left running renews twice in them.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const renewed = fake!.calls.slice(before).filter((c) => c.route === 'timeout' && c.sandboxId === sandbox.id)
    assert.deepEqual(renewed, [], 'no timeout renewals after the refusal')
  })

  it('pauses (the server frozen, not stopped) and resumes where it was', async () => {
    const [server] = sandbox.processes
    await first.pause()
    assert.equal(sandbox.state, 'paused')
    assert.equal(processState(server!.pid), 'T', 'the server process is stopped, its memory kept')
    await first.resume()
    assert.equal(sandbox.state, 'running')
    assert.equal(sandbox.processes.length, 1, 'the same server, not a new one')
    const result = await first.prompt('after resume')
    assert.equal(result.result, 'resumed fine')
  })

  it('keeps a paused sandbox on stop(), and another client reconnects to it by id', async () => {
    await first.pause()
    await first.stop()
    assert.equal(sandbox.state, 'paused', 'stop() after pause() parks the sandbox')
    const second = new ClaudeAgentClient({ e2bApiKey: E2B_KEY, sandboxId: sandbox.id, timeoutMs: 6_000, e2b: connection() })
    try {
      await second.start()
      assert.equal(sandbox.state, 'running', 'connect resumed it')
      assert.equal(sandbox.processes.length, 1, 'the server kept running: its token was read back from the sandbox')
      assert.ok((await second.sessions.get('default')).lastSeq > 0, 'with the history of the first client')
      assert.equal((await second.prompt('after reconnect')).result, 'same sandbox')
    } finally {
      await second.stop()
    }
    assert.equal(sandbox.state, 'killed', 'stop() killed the sandbox')
    assert.equal(sandbox.killedBy, 'kill')
    assert.deepEqual(await listed(metadata), [], 'it is no longer listed')
    assert.equal(
      sandbox.processes[0]!.child.exitCode !== null || sandbox.processes[0]!.child.signalCode !== null,
      true,
      'its server is gone',
    )
  })
})

describe('e2b provider: a sandbox that dies under the client', () => {
  before(startFake)

  it('a pending prompt ends with CONNECTION_CLOSED naming the sandbox, instead of reconnecting forever', async () => {
    const client = new ClaudeAgentClient({
      e2bApiKey: E2B_KEY,
      anthropicApiKey: ANTHROPIC_KEY,
      timeoutMs: 60_000,
      connectTimeoutMs: 60_000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      e2b: connection(),
    })
    try {
      await client.start()
      const sandbox = fake!.sandboxes.get(String(client.sandbox?.id))!
      const pending = client.prompt('a slow turn')
      await waitForSessionState(client, 'running')
      await sandbox.kill('timeout') // as E2B does when a timeout runs out
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(isClaudeAgentClientError(error, 'CONNECTION_CLOSED'), String(error))
        assert.match(error.message, new RegExp(`sandbox ${sandbox.id} is gone`))
        return true
      })
      assert.equal(client.connectionState, 'closed')
    } finally {
      await client.stop()
    }
  })
})

/** Resolves when the client has seen the session enter `state`. */
function waitForSessionState(client: ClaudeAgentClient, state: string): Promise<void> {
  return new Promise((resolve) => {
    const off = client.onMessage((frame) => {
      if (frame.type === 'session_state' && frame.state === state) {
        off()
        resolve()
      }
    })
  })
}

describe('e2b provider failures against the E2B fake', () => {
  before(startFake)

  const startFails = async (options: ConstructorParameters<typeof ClaudeAgentClient>[0], pattern: RegExp) => {
    const client = new ClaudeAgentClient(options)
    const created = fake!.sandboxes.size
    try {
      await assert.rejects(client.start(), (error: unknown) => {
        assert.ok(isClaudeAgentClientError(error, 'PROVIDER_FAILED'), String(error))
        assert.match(error.message, pattern)
        assert.ok(!error.message.includes(E2B_KEY) && !error.message.includes(ANTHROPIC_KEY), 'no key in the message')
        return true
      })
    } finally {
      await client.stop()
    }
    return fake!.sandboxes.size - created
  }

  it('a wrong API key: refused, saying so (401)', async () => {
    const made = await startFails({ e2bApiKey: `e2b_${'0'.repeat(40)}`, e2b: connection() }, /E2B refused the API key \(HTTP 401\)/)
    assert.equal(made, 0)
  })

  it('the quota reached: says rate limit or quota (429), at once', async () => {
    fake!.inject('create', { status: 429, message: 'You have reached the maximum number of concurrent E2B sandboxes (20)' })
    await startFails({ e2bApiKey: E2B_KEY, e2b: connection() }, /quota was reached \(HTTP 429\).*maximum number of concurrent/)
  })

  it('an API that does not answer: gives up after requestTimeoutMs, garbage collections or not', async () => {
    fake!.inject('create', 'hang')
    // A collection while the call waits used to lose the SDK's timeout (a request clone's abort
    // is followed weakly), so the start hung; collect often while it waits.
    const stopCollecting = collectGarbageEvery(20)
    try {
      await startFails({ e2bApiKey: E2B_KEY, e2b: { ...connection(), requestTimeoutMs: 500 } }, /did not answer within 500 ms/)
    } finally {
      stopCollecting()
    }
  })

  it('no network: names the address and the reason, not a bare fetch failed', async () => {
    const apiUrl = `http://127.0.0.1:${await closedPort()}`
    await startFails(
      { e2bApiKey: E2B_KEY, e2b: { ...connection(), apiUrl } },
      new RegExp(`cannot reach E2B at ${apiUrl.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    )
  })

  it('a sandbox gone before its server starts (envd answers 502): says it is gone', async () => {
    fake!.inject('envd', { status: 502, message: 'The sandbox was not found' })
    await startFails({ e2bApiKey: E2B_KEY, e2b: connection() }, /could not start the server: not found \(killed, or its timeout ran out\)/)
  })

  it('a server that exits: says so with its exit code, and the sandbox is killed', async () => {
    await startFails(
      { e2bApiKey: E2B_KEY, template: 'server-exits', e2b: connection() },
      /server did not come up: the server exited \(code 3\):\n.*no bubblewrap here/,
    )
    assert.ok([...fake!.sandboxes.values()].filter((s) => s.templateId === 'server-exits').every((s) => s.state === 'killed'))
  })

  it('a server that never answers: gives up after startTimeoutMs, and the sandbox is killed', async () => {
    await startFails(
      { e2bApiKey: E2B_KEY, template: 'server-never-listens', e2b: { ...connection(), startTimeoutMs: 1_500 } },
      /did not answer within 1500 ms/,
    )
    assert.ok([...fake!.sandboxes.values()].filter((s) => s.templateId === 'server-never-listens').every((s) => s.state === 'killed'))
  })
})

/** The state letter of a process (R, S, T for stopped, ...), from /proc. */
function processState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!
}
