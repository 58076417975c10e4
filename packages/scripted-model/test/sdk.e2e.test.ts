// End to end: the REAL Claude Agent SDK and its native CLI against the scripted model.
// Only tests import the SDK; the library itself never does.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { query } from '@anthropic-ai/claude-agent-sdk'
import type { SDKMessage, SDKUserMessage } from '@anthropic-ai/claude-agent-sdk'
import { startScriptedModel } from '../src/index.js'
import type { ScriptedModel } from '../src/index.js'

const TIMEOUT = 60_000

describe('real Claude Agent SDK against the scripted model', { timeout: TIMEOUT * 3 }, () => {
  let model: ScriptedModel
  let home: string
  let cwd: string

  before(async () => {
    model = await startScriptedModel()
  })
  after(() => model.close())
  beforeEach(async () => {
    model.reset()
    home = await mkdtemp(join(tmpdir(), 'scripted-model-home-'))
    cwd = await mkdtemp(join(tmpdir(), 'scripted-model-cwd-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
    await rm(cwd, { recursive: true, force: true })
  })

  /** The offline recipe: options.env replaces the CLI's whole environment. */
  function options() {
    return {
      cwd,
      permissionMode: 'bypassPermissions' as const,
      allowDangerouslySkipPermissions: true,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: home,
        CLAUDE_CONFIG_DIR: home,
        TMPDIR: home,
        CLAUDE_CODE_TMPDIR: home,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'test-key',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
        IS_SANDBOX: '1', // we run as root: bypassPermissions needs it
      },
    }
  }

  async function collect(messages: AsyncIterable<SDKMessage>): Promise<SDKMessage[]> {
    const out: SDKMessage[] = []
    for await (const message of messages) out.push(message)
    return out
  }

  const assistantTexts = (messages: SDKMessage[]) =>
    messages.flatMap((m) => (m.type === 'assistant' ? m.message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])) : []))

  it('plays a text turn: system/init, the scripted assistant text, result success', { timeout: TIMEOUT }, async () => {
    model.setScenario({
      scripts: [{ match: { prompt: 'say hi' }, replies: [{ content: [{ type: 'text', text: 'Hi from the script' }] }] }],
    })
    const messages = await collect(query({ prompt: 'say hi', options: options() }))
    const init = messages[0]
    assert.ok(init?.type === 'system' && init.subtype === 'init')
    assert.deepEqual(assistantTexts(messages), ['Hi from the script'])
    const result = messages.at(-1)
    assert.ok(result?.type === 'result' && result.subtype === 'success')
    assert.equal(result.is_error, false)
    assert.equal(result.result, 'Hi from the script')
    assert.deepEqual(model.unusedReplies(), [])
    const turn = model.requests.find((r) => r.kind === 'turn')
    assert.equal(turn?.headers['x-api-key'], '[redacted]')
    assert.equal(turn?.headers['x-claude-code-session-id'], init.session_id)
  })

  it('plays a tool turn: the CLI runs Bash and the file exists in the cwd', { timeout: TIMEOUT }, async () => {
    model.setScenario({
      scripts: [
        {
          replies: [
            {
              content: [
                { type: 'text', text: 'Writing the file.' },
                { type: 'tool_use', name: 'Bash', input: { command: 'echo hi > out.txt', description: 'Write out.txt' } },
              ],
            },
            (request) => {
              // The follow-up carries the tool result of the scripted call.
              assert.equal(request.replyIndex, 1)
              return { content: [{ type: 'text', text: 'Wrote out.txt' }] }
            },
          ],
        },
      ],
    })
    const messages = await collect(query({ prompt: 'write a file', options: options() }))
    assert.equal(readFileSync(join(cwd, 'out.txt'), 'utf8'), 'hi\n')
    const toolResults = messages.filter(
      (m) => m.type === 'user' && Array.isArray(m.message.content) && m.message.content.some((b) => b.type === 'tool_result'),
    )
    assert.equal(toolResults.length, 1)
    assert.deepEqual(assistantTexts(messages), ['Writing the file.', 'Wrote out.txt'])
    const result = messages.at(-1)
    assert.ok(result?.type === 'result' && result.subtype === 'success' && !result.is_error)
    assert.deepEqual(model.unusedReplies(), [])
    assert.deepEqual(model.failures, [])
  })

  it('answers setModel() between prompts without consuming a turn', { timeout: TIMEOUT }, async () => {
    model.setScenario({
      scripts: [
        { match: { prompt: 'first' }, replies: [{ content: [{ type: 'text', text: 'one' }] }] },
        {
          match: { prompt: 'second' },
          replies: [
            (request) => {
              // The history holds the first turn; the model name follows setModel().
              assert.equal(request.body.model, 'claude-scripted-2')
              assert.ok(JSON.stringify(request.body.messages).includes('one'))
              return { content: [{ type: 'text', text: 'two' }] }
            },
          ],
        },
      ],
    })
    const inbox = pushQueue<SDKUserMessage>()
    const q = query({ prompt: inbox.iterable, options: options() })
    inbox.push(userMessage('first'))
    const texts: string[] = []
    let results = 0
    for await (const message of q) {
      texts.push(...assistantTexts([message]))
      if (message.type !== 'result') continue
      assert.equal(message.is_error, false)
      if (++results === 1) {
        await q.setModel('claude-scripted-2')
        inbox.push(userMessage('second'))
      } else {
        inbox.end()
      }
    }
    assert.deepEqual(texts, ['one', 'two'])
    assert.deepEqual(model.unusedReplies(), [])
    assert.deepEqual(model.failures, [])
    assert.deepEqual(
      model.requests.map((r) => r.kind),
      ['turn', 'model-check', 'turn'],
    )
    assert.equal(existsSync(join(cwd, 'out.txt')), false)
  })
})

function userMessage(text: string): SDKUserMessage {
  return { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' }
}

/** An input stream that stays open until end(): interrupt and multi-prompt need that. */
function pushQueue<T>(): { iterable: AsyncIterable<T>; push(item: T): void; end(): void } {
  const items: T[] = []
  let wake: (() => void) | undefined
  let ended = false
  const notify = () => {
    wake?.()
    wake = undefined
  }
  return {
    push: (item) => {
      items.push(item)
      notify()
    },
    end: () => {
      ended = true
      notify()
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const item = items.shift()
          if (item !== undefined) yield item
          else if (ended) return
          else await new Promise<void>((resolve) => (wake = resolve))
        }
      },
    },
  }
}
