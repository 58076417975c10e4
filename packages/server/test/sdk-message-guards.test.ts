// The session looks at every SDK message the CLI sends; the guards it uses read `type` first
// and parse only a message of the type asked about. A message of another type is never
// parsed: any other field read would throw here.
import assert from 'node:assert/strict'
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

  it('still check the shape of their own type', () => {
    assert.equal(isResultMessage({ type: 'result', subtype: 'success', is_error: false, session_id: 's' }), true)
    assert.equal(isResultMessage({ type: 'result', subtype: 'success' }), false)
    assert.equal(isSystemMessage({ type: 'system', subtype: 'init', session_id: 's' }), true)
    assert.equal(isStreamEvent({ type: 'stream_event', session_id: 's', event: { type: 'message_start' } }), true)
    assert.equal(isAssistantMessage({ type: 'assistant', session_id: 's' }), false)
  })
})
