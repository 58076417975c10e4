// Scenario validation and loading: bad scenarios fail at load time, naming the bad field.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ScenarioError, demoScenario, loadScenario, startScriptedModel, validateScenario } from '../src/index.js'
import { streamTurn, textOf, toolUsesOf, userPrompt } from './helpers.js'

/** The issues ScenarioError lists for a value. */
function issuesOf(value: unknown): string[] {
  try {
    validateScenario(value)
  } catch (error) {
    assert.ok(error instanceof ScenarioError)
    assert.equal(error.code, 'SCENARIO_INVALID')
    return error.issues
  }
  assert.fail('expected a ScenarioError')
}

describe('scenario validation', () => {
  it('accepts JSON and TS-only forms (RegExp, functions)', () => {
    validateScenario({
      name: 'ok',
      scripts: [
        { match: { prompt: /x/ }, replies: [() => ({ content: [{ type: 'text', text: 'x' }] })] },
        {
          match: { prompt: { regex: 'y', flags: 'i' }, sessionId: 's' },
          repeat: true,
          replies: [{ error: { status: 500, type: 'api_error', message: 'boom' } }],
        },
      ],
      fallback: { content: [{ type: 'text', text: 'f' }], stopReason: 'end_turn', usage: { output_tokens: 3 } },
    })
  })

  it('names every bad field', () => {
    assert.deepEqual(issuesOf({ scripts: 'nope' }), ['scripts: expected an array'])
    assert.deepEqual(issuesOf({ scripts: [], fallbak: {} }), ['scenario: unknown key "fallbak" (allowed: name, scripts, fallback)'])
    assert.deepEqual(issuesOf({ scripts: [{ replies: [] }] }), ['scripts[0].replies: expected a non-empty array'])
    const [regexIssue, ...issues] = issuesOf({
      scripts: [
        {
          match: { prompt: { regex: '(' } },
          replies: [
            { content: [{ type: 'tool_use', name: '', input: [] }], stopReason: 'done', chunkSize: 0 },
            { content: [{ type: 'image' }] },
            { content: [{ type: 'text', text: 'x' }], error: { status: 200, type: 'x', message: 'y' } },
            {},
          ],
        },
      ],
    })
    assert.match(regexIssue ?? '', /^scripts\[0\]\.match\.prompt: bad regex \(/)
    assert.deepEqual(issues, [
      'scripts[0].replies[0].chunkSize: expected an integer >= 1',
      'scripts[0].replies[0].stopReason: expected one of end_turn, tool_use, max_tokens, stop_sequence, pause_turn, refusal',
      'scripts[0].replies[0].content[0].name: expected a non-empty string',
      'scripts[0].replies[0].content[0].input: expected an object',
      'scripts[0].replies[1].content[0].type: expected "text" or "tool_use"',
      'scripts[0].replies[2].error.status: expected an HTTP error status (400-599)',
      'scripts[0].replies[2]: use either "content" or "error", not both',
      'scripts[0].replies[3].content: expected a non-empty array of blocks (or give "error")',
    ])
  })

  it('startScriptedModel and setScenario reject an invalid scenario', async () => {
    await assert.rejects(startScriptedModel({ scenario: { scripts: [{}] } as never }), ScenarioError)
    const model = await startScriptedModel()
    try {
      assert.throws(() => model.setScenario({ scripts: [{ replies: [{ delayMs: -1 }] }] } as never), ScenarioError)
    } finally {
      await model.close()
    }
  })

  it('loads a scenario file and names the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scripted-model-'))
    try {
      const good = join(dir, 'good.json')
      await writeFile(good, JSON.stringify({ scripts: [{ replies: [{ content: [{ type: 'text', text: 'hi' }] }] }] }))
      assert.equal((await loadScenario(good)).scripts.length, 1)
      const broken = join(dir, 'broken.json')
      await writeFile(broken, '{ "scripts": [')
      await assert.rejects(loadScenario(broken), (error: unknown) => {
        assert.ok(error instanceof ScenarioError)
        assert.match(error.message, /broken\.json: not valid JSON/)
        return true
      })
      const invalid = join(dir, 'invalid.json')
      await writeFile(invalid, JSON.stringify({ scripts: [{ replies: 'x' }] }))
      await assert.rejects(loadScenario(invalid), /invalid\.json: scripts\[0\]\.replies: expected a non-empty array/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('ships a demo scenario: greeting, Write hello.txt, Bash ls -la, offline fallback', async () => {
    const model = await startScriptedModel({ scenario: demoScenario })
    try {
      assert.match(textOf(await streamTurn(model.url, [userPrompt('Hello!')])), /offline demo/)
      const write = toolUsesOf(await streamTurn(model.url, [userPrompt('Please create a file')]))
      assert.equal(write[0]?.name, 'Write')
      assert.deepEqual(write[0]?.input, { file_path: 'hello.txt', content: 'Hello from the offline demo!\n' })
      const bash = toolUsesOf(await streamTurn(model.url, [userPrompt('run something in bash')]))
      assert.equal(bash[0]?.name, 'Bash')
      assert.equal((bash[0]?.input as { command: string }).command, 'ls -la')
      const fallback = textOf(await streamTurn(model.url, [userPrompt('what is 2+2?')]))
      assert.match(fallback, /offline demo mode: no API key is configured/)
      assert.match(fallback, /what is 2\+2\?/)
    } finally {
      await model.close()
    }
  })
})
