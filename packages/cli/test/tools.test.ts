import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Renderer } from '../src/render.js'
import { makeStyle } from '../src/style.js'
import { toolCall } from '../src/tools.js'

// A tool's name comes from the server (a permission request, an assistant's tool_use): it is
// shown in the approval line and the transcript, so it may drive the terminal no more than its input.
test('a tool name with escape sequences is shown, not obeyed', () => {
  const name = 'Bash\x1b]0;pwned\x07\x1b[2K\r\x9b1A'
  const line = toolCall(name, { command: 'ls' })
  assert.doesNotMatch(line, /[\x1b\x9b\r\x07]/)
  assert.match(line, /^Bash\S*\(/)

  let out = ''
  const renderer = new Renderer({ write: (text: string) => (out += text), style: makeStyle(false), verbose: false } as never)
  renderer.frame({
    type: 'sdk_message',
    data: {
      type: 'assistant',
      message: { id: 'm1', role: 'assistant', content: [{ type: 'tool_use', id: 't1', name, input: { command: 'ls' } }] },
    },
  } as never)
  assert.doesNotMatch(out, /[\x1b\x9b\r\x07]/)
})
