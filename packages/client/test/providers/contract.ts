// The contract every SandboxProvider keeps, run against each of them (as Hono runs one suite
// against every router): start() makes a server reachable, /health answers (with the token, and
// not without it), a prompt goes round the model, files go round the workspace, and stop()
// takes the server away. The client drives the provider, as users do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient } from '../../src/index.js'
import { probe } from '../../src/providers/health.js'
import type { SandboxProvider, ServerEndpoint } from '../../src/providers/provider.js'

export interface ContractSubject {
  /** The provider's name (`client.sandbox.provider`). */
  name: string
  /** Skip the suite, saying why (e.g. a missing API key). */
  skip?: string | false
  make(): SandboxProvider
  /** A prompt the provider's model answers, and the answer's text when it is known. */
  prompt: { text: string; expect?: string }
  /** Whether the started server refuses requests without the token. @default true */
  requiresToken?: boolean
  setup?(): Promise<void>
  teardown?(): Promise<void>
}

/** Delegates to `provider`, keeping what start() returned and how often stop() ran. */
function recording(provider: SandboxProvider): SandboxProvider & { endpoint?: ServerEndpoint } {
  const recorder: SandboxProvider & { endpoint?: ServerEndpoint } = {
    name: provider.name,
    passesCredential: provider.passesCredential,
    async start(signal) {
      recorder.endpoint = await provider.start(signal)
      return recorder.endpoint
    },
    stop: () => provider.stop(),
    info: () => provider.info(),
    onTurnStart: () => provider.onTurnStart?.(),
    onTurnEnd: () => provider.onTurnEnd?.(),
  }
  return recorder
}

const health = async (endpoint: ServerEndpoint, token: string | undefined) =>
  probe(`${endpoint.baseUrl.replace(/\/+$/, '')}/health`, token, new AbortController().signal)

export function providerContract(subject: ContractSubject): void {
  describe(`SandboxProvider contract: ${subject.name}`, { skip: subject.skip ?? false }, () => {
    let provider: ReturnType<typeof recording>
    let client: ClaudeAgentClient

    before(async () => {
      await subject.setup?.()
      provider = recording(subject.make())
      client = new ClaudeAgentClient({ provider, connectTimeoutMs: 60_000 })
    })
    after(async () => {
      await client?.stop()
      await subject.teardown?.()
    })

    it('start() makes a server reachable and says where it runs', async () => {
      await client.start()
      const endpoint = provider.endpoint!
      assert.match(endpoint.baseUrl, /^(http|ws)s?:\/\//)
      assert.equal(client.isConnected, true)
      assert.equal(client.sandbox?.provider, subject.name)
      if (subject.requiresToken ?? true) assert.ok(endpoint.token, 'the provider says which token the server wants')
    })

    it('/health answers with the token, and not without it', async () => {
      const endpoint = provider.endpoint!
      assert.equal(await health(endpoint, endpoint.token), 200)
      if (subject.requiresToken ?? true) assert.equal(await health(endpoint, undefined), 401)
    })

    it('a prompt goes round the model', async () => {
      const result = await client.prompt(subject.prompt.text)
      assert.equal(result.is_error, false, JSON.stringify(result))
      if (subject.prompt.expect !== undefined) assert.equal(result.result, subject.prompt.expect)
    })

    it('files go round the workspace (and exec sees them)', async () => {
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256)
      await client.writeFile('contract/data.bin', bytes)
      assert.deepEqual(await client.readFile('contract/data.bin', { encoding: 'binary' }), bytes)
      await client.writeFile('contract/hello.txt', 'hello from the contract')
      assert.equal((await client.exec('cat', { args: ['contract/hello.txt'] })).stdout, 'hello from the contract')
    })

    it('stop() takes the server away', async () => {
      const endpoint = provider.endpoint!
      await client.stop()
      assert.equal(client.sandbox, undefined)
      const status = await health(endpoint, endpoint.token)
      assert.ok(status !== 200 && status !== 401, `nothing answers /health any more (got ${status})`)
    })
  })
}
