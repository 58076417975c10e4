// The session looks at every SDK message the CLI sends; the guards it uses read `type` first
// and parse only a message of the type asked about. A message of another type is never
// parsed: any other field read would throw here.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { isAssistantMessage, isResultMessage, isStreamEvent, isSystemMessage, type SdkMessage } from '@claude-agent/protocol'

/** A message whose fields other than `type` must not be read. */
function onlyType(type: string): SdkMessage {
  return new Proxy({ type } as SdkMessage, {
    get(target, key) {
      if (key === 'type') return target.type
      throw new Error(`read ${String(key)} of a ${type} message`)
    },
    has(_target, key) {
      throw new Error(`asked for ${String(key)} of a ${type} message`)
    },
  })
}

describe('SDK message guards', () => {
  const guards = { result: isResultMessage, assistant: isAssistantMessage, system: isSystemMessage, stream_event: isStreamEvent }

  it('answer false for another type without parsing it', () => {
    for (const [type, guard] of Object.entries(guards)) {
      for (const other of [...Object.keys(guards), 'user', 'command_lifecycle']) {
        if (other !== type) assert.equal(guard(onlyType(other)), false, `${type} guard on a ${other} message`)
      }
    }
  })

  // A warm turn as the real CLI sent it through the server (recorded by bench/fixtures/record.ts).
  const recorded = (
    JSON.parse(readFileSync(new URL('../../../bench/fixtures/turn-events.json', import.meta.url), 'utf8')) as Array<{
      type: string
      data?: SdkMessage
    }>
  ).flatMap((frame) => (frame.type === 'sdk_message' && frame.data ? [frame.data] : []))

  it("accept every message the CLI sent in a recorded turn, each by its own type's guard only", () => {
    assert.ok(recorded.some((m) => m.type === 'result') && recorded.some((m) => m.type === 'assistant'))
    for (const message of recorded) {
      for (const [type, guard] of Object.entries(guards)) {
        assert.equal(guard(message), message.type === type, `${type} guard on a recorded ${message.type} message`)
      }
    }
  })

  it('accept the other shapes the CLI sends: tool use, an error result, a stream event', () => {
    const base = { session_id: 's', uuid: 'u' }
    assert.equal(
      isAssistantMessage({
        ...base,
        type: 'assistant',
        parent_tool_use_id: null,
        message: {
          id: 'm',
          model: 'claude',
          content: [
            { type: 'thinking', thinking: '' },
            { type: 'tool_use', id: 't', name: 'Bash', input: {} },
          ],
        },
      }),
      true,
    )
    assert.equal(isResultMessage({ ...base, type: 'result', subtype: 'error_during_execution', is_error: true, num_turns: 1 }), true)
    assert.equal(
      isStreamEvent({ ...base, type: 'stream_event', parent_tool_use_id: null, event: { type: 'content_block_delta', index: 0 } }),
      true,
    )
  })

  it('reject garbage of their own type', () => {
    const garbage: SdkMessage[] = [
      { type: 'result', subtype: 'success', is_error: 'no', session_id: 's' },
      { type: 'result', subtype: 7, is_error: false, session_id: 's' },
      { type: 'result', subtype: 'success', is_error: false, session_id: null },
      { type: 'result', subtype: 'success', is_error: false, session_id: 's', num_turns: '1' },
      { type: 'system', session_id: 's' },
      { type: 'assistant', session_id: 's', parent_tool_use_id: null, message: { id: 'm', content: 'text' } },
      { type: 'assistant', session_id: 's', parent_tool_use_id: null, message: { id: 'm', content: [{ text: 'no type' }] } },
      { type: 'stream_event', session_id: 's', event: null },
      { type: 'stream_event', session_id: 's' },
    ]
    for (const message of garbage) {
      const guard = guards[message.type as keyof typeof guards]
      assert.equal(guard(message), false, JSON.stringify(message))
    }
  })

  it('still check the shape of their own type', () => {
    assert.equal(isResultMessage({ type: 'result', subtype: 'success', is_error: false, session_id: 's' }), true)
    assert.equal(isResultMessage({ type: 'result', subtype: 'success' }), false)
    assert.equal(isSystemMessage({ type: 'system', subtype: 'init', session_id: 's' }), true)
    assert.equal(isStreamEvent({ type: 'stream_event', session_id: 's', event: { type: 'message_start' } }), true)
    assert.equal(isAssistantMessage({ type: 'assistant', session_id: 's' }), false)
  })
})
