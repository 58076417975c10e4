// Where a long session's replay must start so an approval still waiting is in it: the oldest
// permission request the log has not resolved.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServerFrame } from '@claude-agent/client'
import { oldestOpenRequest } from '../src/open-requests.js'

const asked = (requestId: string, seq: number) =>
  ({ type: 'permission_request', requestId, toolName: 'Bash', input: {}, expiresAt: '2030-01-01T00:00:00Z', seq }) as ServerFrame
const resolved = (requestId: string, seq: number) =>
  ({ type: 'permission_resolved', requestId, toolName: 'Bash', decision: 'allow', scope: 'once', reason: 'client', seq }) as ServerFrame
const text = (seq: number) =>
  ({ type: 'sdk_message', data: { type: 'assistant', message: { id: `m${seq}`, content: [] } }, seq }) as ServerFrame

describe('oldestOpenRequest', () => {
  it('is the oldest request not resolved, none when all are', () => {
    assert.equal(oldestOpenRequest([text(1), asked('a', 2), resolved('a', 3), text(4)]), undefined)
    assert.equal(oldestOpenRequest([asked('a', 2), asked('b', 5), text(6), asked('c', 9), resolved('b', 10)]), 2)
    assert.equal(
      oldestOpenRequest([asked('a', 2), resolved('a', 3), asked('b', 7), ...Array.from({ length: 3000 }, (_, i) => text(8 + i))]),
      7,
    )
    assert.equal(oldestOpenRequest([]), undefined)
  })
})
