// The local provider: the contract against a child process of the server package, talking to a
// scripted model in this process; and what is particular to it (the credential goes in the
// server's environment, never /config; the lists it shares with the server stay equal).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
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
