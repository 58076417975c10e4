// The client against a server with principals: an admin's client makes tokens, a member's
// client creates and shares its session, a viewer's client reads it and may not prompt, and a
// revoked token stops working.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError } from '../../src/index.js'
import { startStack, type Stack } from './helpers/stack.js'

const ADMIN = 'tok-client-admin-0123456789abcdef'

describe('principals through the client', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  const client = (token: string) => {
    const c = new ClaudeAgentClient({ connectionUrl: stack.url, token })
    clients.push(c)
    return c
  }
  before(async () => {
    stack = await startStack({ scripts: [] }, { authTokens: [{ label: 'root', token: ADMIN }], prewarm: false })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('makes tokens, shares a session with a viewer, and revokes', async () => {
    const admin = client(ADMIN)
    const member = await admin.tokens.create({ label: 'ann', role: 'member' })
    const viewer = await admin.tokens.create({ label: 'vic', role: 'viewer' })
    assert.deepEqual((await admin.tokens.list()).map((t) => t.label).sort(), ['ann', 'vic'])

    const ann = client(member.secret)
    const session = await ann.sessions.create({ id: 'anns' })
    assert.equal(session.owner, 'ann')
    assert.deepEqual(await ann.sessions.share('anns', 'vic'), ['vic'])
    assert.deepEqual((await ann.sessions.get('anns')).readers, ['vic'])

    const vic = client(viewer.secret)
    assert.deepEqual(
      (await vic.sessions.list()).map((s) => s.id),
      ['anns'],
    )
    await assert.rejects(vic.sessions.delete('anns'), (err) => isClaudeAgentClientError(err) && err.serverCode === 'FORBIDDEN')
    await assert.rejects(ann.tokens.list(), (err) => isClaudeAgentClientError(err) && err.serverCode === 'FORBIDDEN')
    const watching = await vic.sessions.attach('anns', { reconnect: true })
    // The server refuses a viewer's prompt with FORBIDDEN naming its uuid: the prompt rejects, it does not wait forever.
    const refused = await Promise.race([
      watching.prompt('let me drive').then(
        () => 'resolved',
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 10 s'), 10_000)),
    ])
    assert.ok(isClaudeAgentClientError(refused, 'PROMPT_REFUSED'), String(refused))
    assert.equal(refused.serverCode, 'FORBIDDEN')
    const ended = new Promise<void>((resolve) => watching.onConnectionChange((change) => change.state === 'closed' && resolve()))
    assert.deepEqual(await ann.sessions.unshare('anns', 'vic'), [])
    await ended // closed for good (4403), not reconnecting
    await assert.rejects(vic.sessions.get('anns'), (err) => isClaudeAgentClientError(err) && err.serverCode === 'SESSION_NOT_FOUND')

    await admin.tokens.revoke(member.token.id)
    await assert.rejects(ann.sessions.list(), (err) => isClaudeAgentClientError(err) && err.serverCode === 'UNAUTHORIZED')
  })
})
