// Revoking a token cuts its requests still in flight, not only the ones after: an exec or an
// upload whose body was still arriving when the token was revoked was authenticated before,
// and started (ran to its end) or landed after the revocation. The request revoking a token is
// answered, even when it presents that token itself.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { as, memberWithSession, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

/** A request whose head is sent with `Expect: 100-continue`; `dispatched` resolves on the
 * server's 100 Continue (the request reached the app, which authenticates it at once), and
 * `finish(body)` sends the body and resolves with all that came back once the server closes. */
function headFirst(stack: Stack, head: string[], body: string) {
  const socket = connect(stack.server.port, '127.0.0.1')
  let received = ''
  let onData = () => {}
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1')
    onData()
  })
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.write([...head, `content-length: ${Buffer.byteLength(body)}`, 'expect: 100-continue', 'connection: close', '', ''].join('\r\n'))
  const dispatched = new Promise<void>((resolve) => (onData = () => received.includes('100 Continue') && resolve()))
  return {
    dispatched,
    async finish(): Promise<string> {
      socket.write(body)
      await closed
      return received
    },
  }
}

const answered = (received: string) => received.split('\r\n').filter((line) => /^HTTP\/1\.1 [2-5]\d\d/.test(line))

describe('a revoked token and its requests in flight', () => {
  let stack: Stack
  before(async () => (stack = await startTenancyStack()))
  after(() => stack.close())

  it('never starts a command whose request body came after the revocation', async () => {
    const { token, tokenId } = await memberWithSession(stack, 'erin', 'erin-late')
    const body = JSON.stringify({ command: 'touch ran', shell: true })
    const request = headFirst(
      stack,
      ['POST /sessions/erin-late/exec HTTP/1.1', 'host: x', `authorization: Bearer ${token}`, 'content-type: application/json'],
      body,
    )
    await request.dispatched
    assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${tokenId}`)).status, 200)
    const received = await request.finish()
    assert.deepEqual(answered(received), [], `answered after the revocation: ${received}`)
    assert.equal(existsSync(join(stack.workspaceOf('erin-late'), 'ran')), false, 'the command ran')
    // A body cut off is the client's doing, not the server's failure.
    assert.deepEqual(
      stack.logLines.filter((line) => line.startsWith('error ')),
      [],
    )
  })

  it('never writes an upload whose bytes came after the revocation', async () => {
    const { token, tokenId } = await memberWithSession(stack, 'fay', 'fay-late')
    const request = headFirst(
      stack,
      ['PUT /sessions/fay-late/files/content?path=late.txt HTTP/1.1', 'host: x', `authorization: Bearer ${token}`],
      'late bytes',
    )
    await request.dispatched
    assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${tokenId}`)).status, 200)
    const received = await request.finish()
    assert.deepEqual(answered(received), [], `answered after the revocation: ${received}`)
    assert.equal(existsSync(join(stack.workspaceOf('fay-late'), 'late.txt')), false, 'the upload was written')
  })

  it('answers the request that revokes the token it presents, and refuses the next', async () => {
    const made = await as(stack, 'root', 'POST', '/tokens', { label: 'ops', role: 'admin' })
    const self = { token: made.body['secret'] as string }
    const revoked = await as(stack, self, 'DELETE', `/tokens/${made.body['token'].id}`)
    assert.deepEqual([revoked.status, revoked.body['revoked']], [200, made.body['token'].id])
    assert.equal((await as(stack, self, 'GET', '/tokens')).status, 401)
  })
})
