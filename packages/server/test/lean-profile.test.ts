// The lean profile (config.profile or the server's AGENT_PROFILE): its documented switches reach
// the real CLI in its sandbox (its argv and environment, read from /proc; the tools in its model
// request), and a lean session still answers a turn that runs a tool.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { cliProcess } from './helpers/processes.js'
import { lastTurnRequest, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

const toolsOf = (request: string) => ((JSON.parse(request) as { tools?: Array<{ name: string }> }).tools ?? []).map((t) => t.name).sort()

async function turn(stack: Stack, id: string, prompt: string): Promise<string> {
  const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/${id}/ws`)
  try {
    probe.prompt(prompt)
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false, JSON.stringify(result))
    return result['result'] as string
  } finally {
    probe.close()
  }
}

for (const where of ['config', 'server'] as const) {
  describe(`the lean profile, chosen by the ${where === 'config' ? "session's config" : "server's AGENT_PROFILE"}`, () => {
    let stack: Stack

    before(async () => {
      stack = await startStack({
        scenario: { scripts: [runBash('lean tool', 'echo lean-tool-ran'), runBash('full tool', 'echo full-tool-ran')] },
        ...(where === 'server' ? { settings: { agentProfile: 'lean' } } : {}),
      })
      const lean = where === 'config' ? { profile: 'lean' } : {}
      const full = where === 'server' ? { profile: 'default' } : {}
      for (const [id, config] of [
        ['lean', lean],
        ['full', full],
      ] as const) {
        const created = await api(stack.url, 'POST', '/sessions', { id, config: { permissionMode: 'bypassPermissions', ...config } })
        assert.equal(created.status, 201, JSON.stringify(created.body))
      }
    })
    after(() => stack?.close())

    it('answers a turn that runs a tool, with only Bash, Edit and Read offered to the model', async () => {
      assert.match(await turn(stack, 'lean', 'lean tool'), /OUTPUT<<lean-tool-ran/)
      assert.deepEqual(toolsOf(lastTurnRequest(stack)), ['Bash', 'Edit', 'Read'])
    })

    it('starts the CLI with CLAUDE_CODE_SIMPLE, no attachments, the short tool list and no partial messages', () => {
      const cli = cliProcess(stack.server.sessions.stateDir('lean'))
      assert.equal(cli.env['CLAUDE_CODE_SIMPLE'], '1')
      assert.equal(cli.env['CLAUDE_CODE_DISABLE_ATTACHMENTS'], '1')
      assert.ok(cli.argv.join(' ').includes('Bash,Edit,Read'), cli.argv.join(' '))
      assert.ok(!cli.argv.includes('--include-partial-messages'), cli.argv.join(' '))
      // Persistence is kept: the session can resume.
      assert.ok(!cli.argv.includes('--no-session-persistence'), cli.argv.join(' '))
    })

    it('leaves a default-profile session with the full toolset and partial messages', async () => {
      assert.match(await turn(stack, 'full', 'full tool'), /OUTPUT<<full-tool-ran/)
      const tools = toolsOf(lastTurnRequest(stack))
      assert.ok(tools.includes('Write') && tools.length > 3, tools.join(', '))
      const cli = cliProcess(stack.server.sessions.stateDir('full'))
      assert.equal(cli.env['CLAUDE_CODE_SIMPLE'], undefined)
      assert.ok(cli.argv.includes('--include-partial-messages'), cli.argv.join(' '))
    })
  })
}

describe('a session with persistSession: false', () => {
  let stack: Stack
  const say = (prompt: string, text: string) => ({ match: { prompt }, replies: [{ content: [{ type: 'text' as const, text }] }] })

  before(async () => {
    stack = await startStack({
      scenario: { scripts: [say('remember the word banana', 'Noted'), say('what was the word', 'Asked')] },
    })
    const config = { permissionMode: 'bypassPermissions', profile: 'lean', persistSession: false }
    const created = await api(stack.url, 'POST', '/sessions', { id: 'ephemeral', config })
    assert.equal(created.status, 201, JSON.stringify(created.body))
  })
  after(() => stack?.close())

  it('keeps no transcript, remembers while its CLI lives, and starts a new conversation after', async () => {
    await turn(stack, 'ephemeral', 'remember the word banana')
    const stateDir = stack.server.sessions.stateDir('ephemeral')
    const cli = cliProcess(stateDir)
    assert.ok(cli.argv.includes('--no-session-persistence'), cli.argv.join(' '))
    const transcripts = readdirSync(join(stateDir, 'claude'), { recursive: true }).filter((f) => String(f).endsWith('.jsonl'))
    assert.deepEqual(transcripts, [], 'no transcript written')

    await turn(stack, 'ephemeral', 'what was the word')
    assert.ok(lastTurnRequest(stack).includes('remember the word banana'), 'the live CLI has the earlier turn')

    const pid = stack.server.sessions.get('ephemeral').activeRun?.pid
    assert.ok(pid, 'the CLI has a pid')
    const watcher = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/ephemeral/ws`)
    try {
      process.kill(pid, 'SIGKILL')
      const exited = await watcher.next((f) => f.type === 'error' && f['code'] === 'AGENT_EXITED')
      assert.match(String(exited['error']), /next prompt restarts it and starts a new conversation/)
    } finally {
      watcher.close()
    }
    while (stack.server.sessions.get('ephemeral').activeRun?.pid === pid) await new Promise((r) => setTimeout(r, 20))
    await turn(stack, 'ephemeral', 'what was the word')
    assert.ok(!lastTurnRequest(stack).includes('remember the word banana'), 'a new CLI, a new conversation')
  })
})
