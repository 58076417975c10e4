// The console's folding of frames into what it shows, and its line diff: streamed blocks replaced
// by the final message (never shown twice), a cut stream kept, subagents nested under their Task,
// tool results paired; the diff always rebuilds both sides.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { ServerFrame } from '@claude-agent/client'
import { Conversation, shownBlocks, type AssistantItem } from '../src/conversation.js'
import { lineDiff } from '../src/diff.js'

const sdk = (data: Record<string, unknown>, seq?: number) => ({ type: 'sdk_message', data, ...(seq && { seq }) }) as unknown as ServerFrame
const stream = (event: Record<string, unknown>) => sdk({ type: 'stream_event', event, parent_tool_use_id: null })
const delta = (text: string) => stream({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })
const assistant = (id: string, content: unknown[], parent: string | null = null) =>
  sdk({ type: 'assistant', message: { id, content }, parent_tool_use_id: parent })
const result = (extra: Record<string, unknown> = {}) =>
  sdk({
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: 1200,
    num_turns: 1,
    total_cost_usd: 0.01,
    usage: { input_tokens: 5, output_tokens: 7 },
    ...extra,
  })
const texts = (c: Conversation) =>
  c.items
    .filter((i): i is AssistantItem => i.kind === 'assistant')
    .map((i) => shownBlocks(i).map((b) => (b.type === 'text' ? b.text : b.type)))

describe('Conversation', () => {
  it('shows streamed text, then the final message in its place, once', () => {
    const c = new Conversation()
    c.apply(stream({ type: 'message_start', message: { id: 'm1' } }))
    c.apply(stream({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))
    c.apply(delta('Hel'))
    c.apply(delta('lo'))
    assert.deepEqual(texts(c), [['Hello']])
    c.apply(assistant('m1', [{ type: 'text', text: 'Hello!' }]))
    c.apply(result())
    assert.deepEqual(texts(c), [['Hello!']])
    const summary = c.items.at(-1)
    assert.equal(summary?.kind, 'result')
    assert.equal(c.costUsd, 0.01)
  })

  it('keeps what was streamed when the turn is cut before the final message', () => {
    const c = new Conversation()
    c.apply(stream({ type: 'message_start', message: { id: 'm2' } }))
    c.apply(stream({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }))
    c.apply(delta('half an ans'))
    c.apply(result({ is_error: true, subtype: 'error_during_execution' }))
    assert.deepEqual(texts(c), [['half an ans']])
  })

  it('pairs tool results with their calls and nests a subagent under its Task', () => {
    const c = new Conversation()
    c.apply(assistant('m3', [{ type: 'tool_use', id: 't1', name: 'Task', input: { description: 'look around' } }]))
    c.apply(assistant('m4', [{ type: 'text', text: 'sub says hi' }], 't1'))
    c.apply(
      sdk({
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'found it' }] }] },
      }),
    )
    c.apply(sdk({ type: 'user', message: { content: 'a prompt' } }))
    assert.deepEqual(texts(c), [['tool_use']])
    assert.equal(c.childrenOf('t1').length, 1)
    assert.deepEqual(c.results.get('t1'), { text: 'found it', isError: false })
    assert.equal(c.items.at(-1)?.kind, 'user')
  })

  it('folds earlier frames in before the later ones (a long session loaded from its end)', () => {
    const frames = [
      sdk({ type: 'user', message: { content: 'first prompt' } }),
      assistant('m5', [{ type: 'tool_use', id: 't5', name: 'Bash', input: { command: 'ls' } }]),
      sdk({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't5', content: 'a.txt' }] } }),
      assistant('m6', [{ type: 'text', text: 'done' }]),
      result(),
      sdk({ type: 'user', message: { content: 'second prompt' } }),
      assistant('m7', [{ type: 'text', text: 'again' }]),
      result(),
    ]
    const whole = new Conversation()
    frames.forEach((f) => whole.apply(f))
    for (const cut of [1, 3, 5, 7]) {
      const c = new Conversation()
      frames.slice(cut).forEach((f) => c.apply(f))
      c.prepend(frames.slice(0, cut))
      const shape = (x: Conversation) => x.items.map((i) => (i.kind === 'assistant' ? shownBlocks(i) : i.kind === 'user' ? i.text : i.kind))
      assert.deepEqual(shape(c), shape(whole), `cut at ${cut}`)
      assert.deepEqual(c.results.get('t5'), { text: 'a.txt', isError: false })
      assert.equal(c.costUsd, whole.costUsd)
    }
  })

  it('ignores what it does not know', () => {
    const c = new Conversation()
    c.apply(sdk({ type: 'system', subtype: 'init' }))
    c.apply(stream({ type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'orphan' } }))
    c.apply(sdk({ type: 'assistant', message: null }))
    assert.equal(c.items.filter((i) => i.kind !== 'assistant' || shownBlocks(i).length).length, 0)
  })
})

describe('lineDiff', () => {
  it('rebuilds both sides, for any texts', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '', 'x y'), { maxLength: 12 }).map((l) => l.join('\n'))
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const diff = lineDiff(before, after)
        const side = (ops: string[]) =>
          diff
            .filter((l) => ops.includes(l.op))
            .map((l) => l.text)
            .join('\n')
        assert.equal(side([' ', '-']), before === '' ? '' : before)
        assert.equal(side([' ', '+']), after === '' ? '' : after)
      }),
    )
  })

  it('marks a changed line as removed and added', () => {
    assert.deepEqual(lineDiff('one\ntwo\nthree', 'one\n2\nthree'), [
      { op: ' ', text: 'one' },
      { op: '-', text: 'two' },
      { op: '+', text: '2' },
      { op: ' ', text: 'three' },
    ])
  })
})
