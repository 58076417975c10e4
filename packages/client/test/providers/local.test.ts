// The local provider: the contract against a child process of the server package, talking to a
// scripted model in this process; and what is particular to it (the credential goes in the
// server's environment, never /config; the lists it shares with the server stay equal).
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { startScriptedModel } from '@claude-agent/scripted-model'
import { ClaudeAgentClient, isClaudeAgentClientError } from '../../src/index.js'
import { LocalProvider, resolveServerMain } from '../../src/providers/local.js'
import { providerContract } from './contract.js'

let model: Awaited<ReturnType<typeof startScriptedModel>> | undefined
const modelEnv = () => ({ ANTHROPIC_BASE_URL: model!.url, ANTHROPIC_API_KEY: 'sk-local-contract-0123456789', CLAUDE_CODE_MAX_RETRIES: '0' })
const startModel = async () => {
  model ??= await startScriptedModel({
    scenario: { scripts: [{ match: { prompt: 'contract ping' }, replies: [{ content: [{ type: 'text', text: 'contract pong' }] }] }] },
  })
}

providerContract({
  name: 'local',
  make: () => new LocalProvider({ env: modelEnv(), inheritCredentials: false }),
  prompt: { text: 'contract ping', expect: 'contract pong' },
  setup: startModel,
})

describe('local provider', () => {
  after(async () => {
    await model?.close()
    model = undefined
  })

  it('stop() as start() begins leaves no server and no temporary directory', async () => {
    // Its own TMPDIR (read at each mkdtemp), so other tests' directories do not count.
    const tmp = mkdtempSync(join(tmpdir(), 'cas-local-stop-'))
    const saved = process.env['TMPDIR']
    process.env['TMPDIR'] = tmp
    const provider = new LocalProvider({ env: modelEnv(), inheritCredentials: false })
    try {
      const starting = provider.start()
      await provider.stop()
      await assert.rejects(starting, (e) => isClaudeAgentClientError(e, 'CLIENT_STOPPED'))
      assert.equal(provider.info(), undefined, 'no server')
      assert.deepEqual(readdirSync(tmp), [], 'no directory left')
    } finally {
      await provider.stop() // a server the start went on to run despite the stop
      if (saved === undefined) delete process.env['TMPDIR']
      else process.env['TMPDIR'] = saved
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it("resolves the server package's entry point", () => {
    assert.ok(existsSync(resolveServerMain()))
  })

  it('passes the credential in the environment, never in /config; the server is not in demo mode', async () => {
    await startModel()
    const client = new ClaudeAgentClient({
      provider: 'local',
      anthropicApiKey: 'sk-ant-local-provider-0123456789',
      model: 'claude-local-model',
      local: { env: { ANTHROPIC_BASE_URL: model!.url }, inheritCredentials: false },
    })
    try {
      await client.start()
      assert.equal(client.connection?.demo, false, 'the server found a credential in its environment')
      const { config } = await client.getConfig()
      assert.equal(config.model, 'claude-local-model', 'the rest of the config was posted')
      assert.equal(config.anthropicApiKey, undefined, 'the key was not')
      const info = client.sandbox!
      assert.match(String(info.id), /^local-\d+$/)
      assert.ok(existsSync(String(info['workspaceDir'])))
    } finally {
      await client.stop()
    }
  })

  it('streams partial messages with partial: true, and only then', async () => {
    await startModel()
    const streamEvents = async (partial: boolean) => {
      const client = new ClaudeAgentClient({
        provider: 'local',
        partial,
        local: { env: modelEnv(), inheritCredentials: false },
      })
      const types: string[] = []
      client.onMessage((frame) => {
        if (frame.type === 'sdk_message') types.push(frame.data.type)
      })
      try {
        await client.start()
        assert.match(String((await client.prompt('stream to me')).result), /stream to me/)
      } finally {
        await client.stop()
      }
      return types.filter((type) => type === 'stream_event').length
    }
    assert.ok((await streamEvents(true)) > 0, 'stream_event messages arrived with partial: true')
    assert.equal(await streamEvents(false), 0, 'none without it')
  })

  it('a server that dies ends a pending prompt with CONNECTION_CLOSED saying so, instead of reconnecting forever', async () => {
    await startModel()
    const client = new ClaudeAgentClient({
      provider: 'local',
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      local: { env: modelEnv(), inheritCredentials: false },
    })
    try {
      await client.start()
      const pending = client.prompt('contract ping')
      process.kill(Number(client.sandbox!['pid']), 'SIGKILL')
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(isClaudeAgentClientError(error, 'CONNECTION_CLOSED'), String(error))
        assert.match(error.message, /the local server is gone: the process exited \(SIGKILL\)/)
        return true
      })
    } finally {
      await client.stop()
    }
  })
})
