// Config over the wire reaches the real CLI: MCP servers (stdio and remote HTTP), custom
// sub-agents, disallowed tools, maxTurns and maxBudgetUsd.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { startMcpHttpServer } from './helpers/mcp-http.js'
import { lastTurnRequest, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('config over the wire', () => {
  let stack: Stack
  let mcp: Awaited<ReturnType<typeof startMcpHttpServer>>
  const connect = (id: string) => WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`)

  before(async () => {
    mcp = await startMcpHttpServer()
    stack = await startStack({
      // The remote MCP server runs on the host's loopback: the sandbox reaches it only if allowed.
      settings: { sandboxAllowedHosts: [new URL(mcp.url).host] },
      scenario: {
        scripts: [
          { match: { prompt: 'hello' }, repeat: true, replies: [{ content: [{ type: 'text', text: 'hi' }] }] },
          {
            match: { prompt: 'loop' },
            repeat: true,
            replies: [
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo 1' } }] },
              { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo 2' } }] },
              { content: [{ type: 'text', text: 'finished' }] },
            ],
          },
          {
            match: { prompt: 'expensive' },
            replies: [
              {
                content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo 1' } }],
                usage: { input_tokens: 5_000_000, output_tokens: 1_000_000 },
              },
              { content: [{ type: 'text', text: 'should not get here' }] },
            ],
          },
        ],
      },
    })
  })
  after(async () => {
    await stack.close()
    await mcp.close()
  })

  it('connects stdio and remote MCP servers, registers sub-agents, removes disallowed tools', async () => {
    const created = await api(stack.url, 'POST', '/sessions', {
      id: 'configured',
      config: {
        permissionMode: 'bypassPermissions',
        mcpServers: {
          local: {
            type: 'stdio',
            command: process.execPath,
            args: [join(import.meta.dirname, 'fixtures', 'mcp-stdio-server.mjs')],
            env: { FIXTURE_TOKEN: 'mcp-env-secret-0123456789' },
          },
          remote: { type: 'http', url: mcp.url, headers: { Authorization: 'Bearer mcp-token-0123456789' } },
        },
        agents: { reviewer: { description: 'Reviews code', prompt: 'You review code.' } },
        disallowedTools: ['WebSearch'],
        settingSources: [],
      },
    })
    assert.equal(created.status, 201)
    assert.equal(created.body['session'].config.mcpServers.remote.headers.Authorization, '[redacted]')

    const probe = await connect('configured')
    probe.prompt('hello')
    await probe.result()
    const init = sdkData(probe.frames.find((f) => f.type === 'sdk_message' && sdkData(f)['subtype'] === 'init')!)
    const servers = init['mcp_servers'] as Array<{ name: string; status: string }>
    assert.deepEqual(servers.map((s) => [s.name, s.status]).sort(), [
      ['local', 'connected'],
      ['remote', 'connected'],
    ])
    const tools = init['tools'] as string[]
    assert.ok(tools.includes('mcp__local__magic_word'), 'the stdio server tool is offered')
    assert.ok(tools.includes('mcp__remote__remote_time'), 'the remote server tool is offered')
    assert.ok(!tools.includes('WebSearch'), 'the disallowed tool is gone')
    assert.ok((init['agents'] as string[]).includes('reviewer'), 'the custom sub-agent is registered')
    assert.ok(mcp.headersSeen.includes('Bearer mcp-token-0123456789'), 'the remote server got its header')
    const body = lastTurnRequest(stack)
    assert.ok(body.includes('mcp__local__magic_word') && !body.includes('"name":"WebSearch"'))
    // The servers reach the CLI in its initialize request, not on its command line, which every
    // user of the host can read (ps) and the agent's tools too (/proc inside the sandbox).
    const lines = commandLines()
    assert.ok(
      lines.some((line) => line.includes('claude')),
      'the CLI is running',
    )
    for (const secret of ['mcp-token-0123456789', 'mcp-env-secret-0123456789']) {
      assert.ok(!lines.some((line) => line.includes(secret)), `${secret} is on no process's command line`)
    }
    probe.close()
  })

  it('stops at maxTurns', async () => {
    await api(stack.url, 'POST', '/sessions', { id: 'short', config: { permissionMode: 'bypassPermissions', maxTurns: 1 } })
    const probe = await connect('short')
    probe.prompt('loop')
    const result = sdkData(await probe.result())
    assert.equal(result['subtype'], 'error_max_turns')
    probe.close()
  })

  it('stops at maxBudgetUsd', async () => {
    await api(stack.url, 'POST', '/sessions', { id: 'budget', config: { permissionMode: 'bypassPermissions', maxBudgetUsd: 0.01 } })
    const probe = await connect('budget')
    probe.prompt('expensive')
    const result = sdkData(await probe.result())
    assert.equal(result['subtype'], 'error_max_budget_usd')
    probe.close()
  })
})

/** Every process's command line on the host, as `ps` shows them. */
function commandLines(): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')]
      } catch {
        return [] // ended meanwhile
      }
    })
}
