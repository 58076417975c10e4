// The session's state directory is the agent's to write (its HOME and CLAUDE_CONFIG_DIR), and
// the server looks into it on the host before each CLI start (is there a transcript to
// resume?). An agent that puts a file, or a link to a host directory, where the transcripts
// go, or a link or a file at its HOME or TMPDIR, must not make every later start of its session
// (or its next command) fail, nor have the server follow the link.
import assert from 'node:assert/strict'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, opendirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MAX_PROJECT_DIRS, claudeSdkAgentFactory } from '../../src/agent/claude-sdk.js'
import { exec } from '../files/helpers.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

/** The agent breaks its transcripts directory, then kills its own CLI (the launcher, pid 2). */
const TAMPER = 'rm -rf "$CLAUDE_CONFIG_DIR/projects"; echo not-a-dir > "$CLAUDE_CONFIG_DIR/projects"; kill -9 2'
/** The agent makes its HOME a dangling link and its TMPDIR a file, then kills its own CLI. */
const TAMPER_DIRS = `rm -rf "$HOME" "$TMPDIR"; ln -s /nonexistent-${process.pid}/home "$HOME"; echo file > "$TMPDIR"; kill -9 2`

describe("an agent that tampers with its session's state directory", () => {
  let stack: Stack
  let probe: WsProbe

  before(async () => {
    stack = await startStack({
      scenario: {
        scripts: [
          {
            match: { prompt: 'tamper' },
            replies: [{ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: TAMPER } }] }],
          },
          {
            match: { prompt: 'dirs' },
            replies: [{ content: [{ type: 'tool_use' as const, name: 'Bash', input: { command: TAMPER_DIRS } }] }],
          },
          say('still there after tamper?', 'still here'),
          say('still there after dirs?', 'still here'),
        ],
      },
    })
    const created = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'tamper', config: { permissionMode: 'bypassPermissions' } }),
    })
    assert.equal(created.status, 201)
    probe = await WsProbe.connect(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/tamper/ws`)
  })
  after(async () => {
    probe?.close()
    await stack?.close()
  })

  /** The prompt kills the CLI; the next one must get a fresh CLI that answers. */
  async function survives(prompt: string): Promise<void> {
    const from = probe.frames.length
    probe.prompt(prompt)
    await probe.next((f) => f.type === 'error' && f['code'] === 'AGENT_EXITED', { from })
    const next = probe.frames.length
    probe.prompt(`still there after ${prompt}?`)
    const ended = await probe.next((f) => (f.type === 'sdk_message' && sdkData(f).type === 'result') || f.type === 'error', { from: next })
    assert.equal(ended.type, 'sdk_message', JSON.stringify(ended))
    assert.equal(sdkData(ended)['result'], 'still here')
  }

  it('leaves the session able to start its next CLI: a file where the transcripts go', async () => {
    await survives('tamper')
  })

  it('leaves the session able to start its next CLI and command: HOME a dangling link, TMPDIR a file', async () => {
    await survives('dirs')
    const stateDir = join(stack.dir, 'data', 'sessions', 'tamper')
    assert.ok(lstatSync(join(stateDir, 'home')).isDirectory())
    assert.equal(existsSync(`/nonexistent-${process.pid}`), false, 'nothing made through the link')
    const run = await exec(stack.url, 'tamper', { command: 'echo "$HOME" "$TMPDIR"', shell: true })
    assert.equal(run.stdout.trim(), `${join(stateDir, 'home')} ${join(stateDir, 'tmp')}`)
  })

  it('does not follow a link the agent left there to a host directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-state-link-'))
    try {
      const host = join(dir, 'host', 'any')
      mkdirSync(host, { recursive: true })
      writeFileSync(join(host, 'conv-1.jsonl'), '{}\n')
      mkdirSync(join(dir, 'claude'))
      symlinkSync(join(dir, 'host'), join(dir, 'claude', 'projects'))
      assert.equal(claudeSdkAgentFactory.canResume({ CLAUDE_CONFIG_DIR: join(dir, 'claude') }, 'conv-1'), false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('looks at no more than MAX_PROJECT_DIRS entries the agent made where the transcripts go', () => {
    // Each start of the session's CLI listed them all, on the event loop every session shares:
    // a million names held it 6 s. The transcript goes in the directory listed last, behind
    // twice the bound of decoys: found by a listing of everything, not by the bounded one.
    const dir = mkdtempSync(join(tmpdir(), 'cas-state-many-'))
    try {
      const projects = join(dir, 'claude', 'projects')
      mkdirSync(projects, { recursive: true })
      for (let i = 0; i < 2 * MAX_PROJECT_DIRS; i++) mkdirSync(join(projects, `decoy-${i}`))
      const env = { CLAUDE_CONFIG_DIR: join(dir, 'claude') }
      // In the directory's own order (readdirSync sorts).
      const order: string[] = []
      const listing = opendirSync(projects)
      for (let entry = listing.readSync(); entry; entry = listing.readSync()) order.push(entry.name)
      listing.closeSync()
      writeFileSync(join(projects, order[0]!, 'conv-first.jsonl'), '{}\n')
      writeFileSync(join(projects, order.at(-1)!, 'conv-last.jsonl'), '{}\n')
      assert.equal(claudeSdkAgentFactory.canResume(env, 'conv-first'), true)
      assert.equal(claudeSdkAgentFactory.canResume(env, 'conv-last'), false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
