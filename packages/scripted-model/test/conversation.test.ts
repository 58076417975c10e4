// Playing a scenario: script selection, per-conversation progress, fallback, errors and
// retries, reply functions, slow chunking, unusedReplies.
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { startScriptedModel } from '../src/index.js'
import type { Scenario, ScriptedModel } from '../src/index.js'
import { parseSse, post, streamTurn, textOf, toolResult, toolUsesOf, userPrompt } from './helpers.js'

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

describe('playing a scenario', () => {
  let model: ScriptedModel
  const start = async (scenario: Scenario) => (model = await startScriptedModel({ scenario }))
  afterEach(() => model.close())

  it('selects scripts by substring and regex on the last text block', async () => {
    await start({
      scripts: [
        { name: 'weather', match: { prompt: /weather/i }, replies: [text('Sunny')] },
        { name: 'jokes', match: { prompt: { regex: '^tell.*joke', flags: 'i' } }, replies: [text('A joke')] },
        { name: 'sub', match: { prompt: 'reminder' }, replies: [text('never: reminders are earlier blocks')] },
      ],
    })
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('Tell me a joke')])), 'A joke')
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('WEATHER today?')])), 'Sunny')
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('something else')])), 'You said: something else')
    assert.deepEqual(
      model.requests.map((r) => r.kind),
      ['turn', 'turn', 'fallback'],
    )
    assert.deepEqual(model.unusedReplies(), [{ script: 'sub', replyIndex: 0 }])
  })

  it('selects scripts by session header and keeps progress per session', async () => {
    await start({
      scripts: [
        { match: { sessionId: 'b' }, replies: [text('B first'), text('B second')] },
        { match: { sessionId: 'a' }, replies: [text('A first'), text('A second')] },
      ],
    })
    const a1 = await streamTurn(model.url, [userPrompt('go')], 'a')
    const b1 = await streamTurn(model.url, [userPrompt('go')], 'b')
    assert.equal(textOf(a1), 'A first')
    assert.equal(textOf(b1), 'B first')
    const followUp = (first: typeof a1) => [
      userPrompt('go'),
      { role: 'assistant', content: [{ type: 'text', text: textOf(first) }] },
      toolResult('toolu_x', 'ok'),
    ]
    assert.equal(textOf(await streamTurn(model.url, followUp(b1), 'b')), 'B second')
    assert.equal(textOf(await streamTurn(model.url, followUp(a1), 'a')), 'A second')
    assert.deepEqual(model.unusedReplies(), [])
  })

  it('plays a tool turn: tool_use, then the final text after the tool_result', async () => {
    await start({
      scripts: [
        {
          name: 'tool turn',
          replies: [
            { content: [{ type: 'tool_use', id: 'toolu_given', name: 'Bash', input: { command: 'ls' } }] },
            text('Result was: {{toolResult}} (for "{{prompt}}")'),
          ],
        },
        { name: 'next prompt', replies: [text('second prompt answer')] },
      ],
    })
    const first = await streamTurn(model.url, [userPrompt('list files')], 's')
    assert.deepEqual(toolUsesOf(first), [{ id: 'toolu_given', name: 'Bash', input: { command: 'ls' } }])
    // The CLI puts `system` messages after the user message: the last USER message counts.
    const history = [
      userPrompt('list files'),
      { role: 'system', content: 'env' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_given', name: 'Bash', input: { command: 'ls' } }] },
      toolResult('toolu_given', 'a.txt'),
      { role: 'system', content: 'more env' },
    ]
    assert.equal(textOf(await streamTurn(model.url, history, 's')), 'Result was: a.txt (for "list files")')
    assert.deepEqual(
      model.requests.map((r) => [r.script, r.replyIndex]),
      [
        ['tool turn', 0],
        ['tool turn', 1],
      ],
    )
    assert.equal(textOf(await streamTurn(model.url, [...history, userPrompt('again')], 's')), 'second prompt answer')
  })

  it('plays a script once unless repeat is set, then falls back', async () => {
    await start({
      scripts: [
        { match: { prompt: 'once' }, replies: [text('only once')] },
        { match: { prompt: 'always' }, repeat: true, replies: [text('every time')] },
      ],
      fallback: text('Fallback for {{prompt}}'),
    })
    const say = async (p: string) => textOf(await streamTurn(model.url, [userPrompt(p)]))
    assert.equal(await say('once'), 'only once')
    assert.equal(await say('once'), 'Fallback for once')
    assert.equal(await say('always'), 'every time')
    assert.equal(await say('always'), 'every time')
  })

  it('answers error replies with the HTTP status and Anthropic error shape; the retry continues the script', async () => {
    await start({
      scripts: [
        {
          replies: [{ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }, text('after retry')],
        },
      ],
    })
    const messages = [userPrompt('hi')]
    const res = await post(model.url, { stream: true, messages })
    assert.equal(res.status, 529)
    assert.deepEqual(await res.json(), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    assert.equal(textOf(await streamTurn(model.url, messages)), 'after retry')
    assert.deepEqual(model.unusedReplies(), [])
  })

  it('passes the request to reply functions and records their failures', async () => {
    const seen: string[] = []
    await start({
      scripts: [
        {
          replies: [
            (request) => {
              seen.push(`${request.prompt}|${request.sessionId}|${request.body.messages.length}`)
              return text(`function saw ${request.body.messages.length} message(s)`)
            },
          ],
        },
        {
          replies: [
            (request) => {
              assert.equal(request.prompt, 'expected prompt')
              return text('unreachable')
            },
          ],
        },
      ],
    })
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('first')], 'sid')), 'function saw 1 message(s)')
    assert.deepEqual(seen, ['first|sid|1'])
    const res = await post(model.url, { stream: true, messages: [userPrompt('other prompt')] })
    assert.equal(res.status, 500)
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'api_error')
    assert.equal(model.failures.length, 1)
    assert.ok(model.failures[0] instanceof assert.AssertionError)
  })

  it('streams slowly in chunkSize pieces, one delta each', async () => {
    const answer = 'x'.repeat(95)
    await start({ scripts: [{ replies: [{ ...text(answer), chunkSize: 10, chunkDelayMs: 5 }] }] })
    const events = await streamTurn(model.url, [userPrompt('slow')])
    const deltas = events.filter((e) => e.event === 'content_block_delta')
    assert.equal(deltas.length, 10)
    assert.ok(deltas.slice(0, 9).every((d) => d.data['delta'].text.length === 10))
    assert.equal(textOf(events), answer)
  })

  it('stops a slow stream when the client hangs up mid-answer', async () => {
    await start({ scripts: [{ replies: [{ ...text('y'.repeat(20)), chunkSize: 1, chunkDelayMs: 100 }] }] })
    const abort = new AbortController()
    const res = await post(model.url, { stream: true, messages: [userPrompt('slow')] }, { signal: abort.signal })
    const reader = res.body!.getReader()
    const first = await reader.read() // message_start .. first delta arrive before the first wait
    assert.equal(first.done, false)
    abort.abort()
    await assert.rejects(reader.read())
    // The next request is served normally (fallback: the one script was used).
    assert.equal(textOf(await streamTurn(model.url, [userPrompt('next')])), 'You said: next')
  })

  it('keeps chunk order and content', async () => {
    await start({ scripts: [{ replies: [{ ...text('abcdef'), chunkSize: 2, chunkDelayMs: 1 }] }] })
    const res = await post(model.url, { stream: true, messages: [userPrompt('x')] })
    const deltas = parseSse(await res.text()).filter((e) => e.event === 'content_block_delta')
    assert.deepEqual(
      deltas.map((d) => d.data['delta'].text),
      ['ab', 'cd', 'ef'],
    )
  })
})
