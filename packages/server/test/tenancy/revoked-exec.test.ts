// Revoking a token takes its access away at once, and a command it started is access too: its
// exec stream ends and the command is killed, as its WebSockets close. Another principal's
// command runs on.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, memberWithSession, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

/** Starts a command as `token`; resolves with its NDJSON once the stream ends (or is cut). */
async function execStream(stack: Stack, token: string, session: string, command: string, started: () => void) {
  const res = await fetch(`${stack.url}/sessions/${session}/exec`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command, shell: true }),
  })
  assert.equal(res.status, 200)
  let text = ''
  const decoder = new TextDecoder()
  try {
    for await (const chunk of res.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true })
      if (text.includes('started')) started()
    }
  } catch {
    // cut: what came is what there is
  }
  return text
}

describe('a revoked token and the commands it started', () => {
  let stack: Stack
  before(async () => (stack = await startTenancyStack()))
  after(() => stack.close())

  it('ends the exec stream and kills the command', { timeout: 60_000 }, async () => {
    const { token, tokenId } = await memberWithSession(stack, 'erin', 'erin-1')
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    const output = execStream(stack, token, 'erin-1', 'echo started; sleep 30; echo finished', () => started())
    await running
    assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${tokenId}`)).status, 200)
    const text = await output
    assert.ok(text.includes('started'))
    assert.equal(text.includes('finished'), false, 'the command ran to its end')
  })
})
