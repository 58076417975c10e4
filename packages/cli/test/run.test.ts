// `claude-agent run` as scripts use it (pipes, not a terminal) against the real server, SDK and
// CLI with the scripted model: the answer on stdout, --json as NDJSON line by line, exit codes
// (a failed turn, bad usage), approvals refused unless --allow names the tool, plain output.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient } from '@claude-agent/client'
import { bash, done, madeInAWorkspace, say, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { runCli } from './helpers/terminal.js'

describe('claude-agent run', () => {
  let stack: Stack
  const env = () => ({ CLAUDE_AGENT_URL: stack.url })

  before(async () => {
    stack = await startStack({
      scripts: [
        say('plain answer', 'The answer is 42.'),
        say('json answer', 'Streamed as NDJSON.'),
        { match: { prompt: 'failing turn' }, replies: [bash('echo 1'), bash('echo 2'), done] },
        { match: { prompt: 'refuse my tool' }, replies: [bash('echo no > refused.txt'), done] },
        { match: { prompt: 'allow my tool' }, replies: [bash('echo yes > allowed.txt'), done] },
      ],
    })
  })
  after(() => stack.close())

  it('prints the answer on stdout, plain, and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'plain', 'answer'], { ...env(), TERM: 'xterm-256color' })
    assert.equal(code, 0, stderr)
    assert.equal(stdout, 'The answer is 42.\n')
    assert.doesNotMatch(stdout + stderr, /\x1b\[/, 'no colour codes without a terminal')
  })

  it('--json: one SDK message per line, the result among them', async () => {
    const { code, stdout, stderr } = await runCli(['run', '--json', 'json answer'], env())
    assert.equal(code, 0, stderr)
    const lines = stdout.trimEnd().split('\n')
    const messages = lines.map(
      (line) => JSON.parse(line) as { type: string; result?: string; message?: { content?: Array<{ text?: string }> } },
    )
    // The CLI may report the turn's command complete just after the result: it is printed too.
    const results = messages.filter((m) => m.type === 'result')
    assert.equal(results.length, 1, stdout)
    assert.equal(results[0]!.result, 'Streamed as NDJSON.')
    assert.ok(
      messages.slice(messages.indexOf(results[0]!) + 1).every((m) => m.type === 'command_lifecycle'),
      stdout,
    )
    assert.ok(messages.some((m) => m.type === 'assistant' && m.message?.content?.some((b) => b.text === 'Streamed as NDJSON.')))
  })

  it('exits 1 when the turn fails, saying so on stderr', async () => {
    // One turn of a session allowed one model turn, which wants a tool: error_max_turns.
    await new ClaudeAgentClient({ connectionUrl: stack.url }).sessions.create({
      id: 'short',
      config: { permissionMode: 'bypassPermissions', maxTurns: 1 },
    })
    const { code, stdout, stderr } = await runCli(['run', '--session', 'short', 'failing turn'], env())
    assert.equal(code, 1, stdout + stderr)
    assert.match(stderr, /the turn failed \(error_max_turns\)/)
  })

  it('refuses approvals without --allow; the tool does not run', async () => {
    const { code, stderr } = await runCli(['run', '--new', 'refuse my tool'], env())
    assert.equal(code, 0, stderr)
    assert.match(stderr, /refused Bash \(no --allow Bash\)/)
    assert.equal(madeInAWorkspace(stack.settings, 'refused.txt'), false)
  })

  it('--allow Bash lets that tool run', async () => {
    const { code, stderr } = await runCli(['run', '--new', '--allow', 'Bash', 'allow my tool'], env())
    assert.equal(code, 0, stderr)
    assert.match(stderr, /Bash\(echo yes > allowed\.txt\)/)
    assert.ok(madeInAWorkspace(stack.settings, 'allowed.txt'))
  })

  it('bad usage exits 2 with a pointer to --help; an unreachable server exits 1', async () => {
    const usage = await runCli(['run'], env())
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /claude-agent run --help/)
    const unknown = await runCli(['run', '--bogus', 'x'], env())
    assert.equal(unknown.code, 2)
    const mode = await runCli(['run', '--mode', 'yolo', 'x'], env())
    assert.equal(mode.code, 2)
    assert.match(mode.stderr, /--mode must be one of default/)
    const down = await runCli(['run', '--url', 'http://127.0.0.1:9', 'hello'], {})
    assert.equal(down.code, 1)
    assert.match(down.stderr, /CONNECTION_FAILED/)
  })

  it('--help on every subcommand, exit 0', async () => {
    for (const command of ['chat', 'run', 'attach', 'sessions', 'logs', 'exec', 'files', 'tokens']) {
      const { code, stdout } = await runCli([command, '--help'])
      assert.equal(code, 0, command)
      assert.match(stdout, new RegExp(`Usage: claude-agent ${command}`), command)
    }
    const top = await runCli(['--help'])
    assert.match(top.stdout, /tokens +create \| ls \| revoke/)
  })
})
