// client.sessions against the real server: create/list/get/history/delete before any WebSocket,
// wire errors (SESSION_NOT_FOUND, SESSION_EXISTS), attach() with replay, prompt and iteration on
// an attached session, and a deleted session ending its connections without a reconnect.
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  ClaudeAgentClient,
  isClaudeAgentClientError,
  type ClientErrorCode,
  type ConnectionState,
  type ServerFrame,
} from '../../src/index.js'
import { caughtUp, say, startStack, waitFor, type Stack } from './helpers/stack.js'

const wire = (code: ClientErrorCode, wireCode: string) => (e: unknown) =>
  isClaudeAgentClientError(e, code) && e.wireError?.code === wireCode

describe('client.sessions', () => {
  let stack: Stack
  let client: ClaudeAgentClient
  before(async () => {
    stack = await startStack({ scripts: [say('hello alpha', 'alpha here')] })
    client = new ClaudeAgentClient({ connectionUrl: stack.url })
  })
  after(async () => {
    await client.stop()
    await stack.close()
  })

  it('create, list, get and history work before any WebSocket is open', async () => {
    const alpha = await client.sessions.create({ id: 'alpha', config: { model: 'claude-alpha', anthropicApiKey: 'sk-not-returned' } })
    assert.equal(alpha.id, 'alpha')
    assert.equal(alpha.lastSeq, 0)
    assert.equal(alpha.config.model, 'claude-alpha')
    assert.notEqual(alpha.config.anthropicApiKey, 'sk-not-returned', 'secrets come back redacted')
    const generated = await client.sessions.create()
    assert.match(generated.id, /^[A-Za-z0-9]/)
    const ids = (await client.sessions.list()).map((s) => s.id)
    for (const id of ['default', 'alpha', generated.id]) assert.ok(ids.includes(id), `${id} in ${ids.join(',')}`)
    const details = await client.sessions.get('alpha')
    assert.equal(details.state, 'suspended')
    assert.equal(details.run, null)
    assert.deepEqual(await client.sessions.history('alpha'), { events: [], lastSeq: 0, hasMore: false })
    assert.equal(client.isConnected, false)
  })

  it('reports the wire error: SESSION_EXISTS, SESSION_NOT_FOUND, INVALID_REQUEST', async () => {
    await assert.rejects(client.sessions.create({ id: 'alpha' }), wire('REQUEST_FAILED', 'SESSION_EXISTS'))
    await assert.rejects(client.sessions.create({ id: 'no spaces allowed' }), wire('REQUEST_FAILED', 'INVALID_REQUEST'))
    await assert.rejects(client.sessions.get('nope'), wire('REQUEST_FAILED', 'SESSION_NOT_FOUND'))
    await assert.rejects(client.sessions.history('nope'), wire('REQUEST_FAILED', 'SESSION_NOT_FOUND'))
    await assert.rejects(client.sessions.delete('nope'), wire('REQUEST_FAILED', 'SESSION_NOT_FOUND'))
  })

  it('attaching to an unknown session fails with SESSION_NOT_FOUND, without retrying', async () => {
    const states: ConnectionState[] = []
    const c = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: 'nope' })
    c.onConnectionChange((change) => states.push(change.state))
    await assert.rejects(c.start(), wire('CONNECTION_FAILED', 'SESSION_NOT_FOUND'))
    assert.deepEqual(states, ['connecting', 'closed'])
    await assert.rejects(client.sessions.attach('nope'), wire('CONNECTION_FAILED', 'SESSION_NOT_FOUND'))
  })

  it("an id that is a path's dot segment ('.', '..') or empty is refused, never resolved to another path", async () => {
    const invalid = (e: unknown) => isClaudeAgentClientError(e, 'INVALID_ARGUMENT')
    for (const id of ['..', '.', '']) {
      // `/sessions/../ws` is `/ws`: the default session, not the one named.
      await assert.rejects(
        client.sessions.attach(id).then(async (s) => {
          const reached = s.connection?.sessionId
          await s.close()
          return reached
        }),
        invalid,
        `attach(${JSON.stringify(id)})`,
      )
      await assert.rejects(client.sessions.get(id), invalid, `get(${JSON.stringify(id)})`)
      await assert.rejects(client.sessions.history(id), invalid, `history(${JSON.stringify(id)})`)
      await assert.rejects(client.sessions.delete(id), invalid, `delete(${JSON.stringify(id)})`)
      await assert.rejects(client.sessions.usage(id), invalid, `usage(${JSON.stringify(id)})`)
    }
    assert.throws(() => new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: '..' }), invalid)
  })

  it('attach() gives the client surface: prompt, onMessage, messages(), and replay with `after`', async () => {
    const session = await client.sessions.attach('alpha')
    assert.equal(session.sessionId, 'alpha')
    const frames: ServerFrame[] = []
    session.onMessage((frame) => frames.push(frame))
    const iterated: ServerFrame[] = []
    const loop = (async () => {
      for await (const frame of session.messages()) iterated.push(frame)
    })()
    assert.equal((await session.prompt('hello alpha')).result, 'alpha here')
    const lastSeq = await caughtUp(session, client.sessions, 'alpha')
    await session.close()
    await loop // close() ends the loop
    const history = await client.sessions.history('alpha')
    const sequenced = (list: ServerFrame[]) => list.filter((f) => frameSeq(f) !== undefined)
    assert.deepEqual(sequenced(frames), history.events)
    assert.deepEqual(sequenced(iterated), history.events)

    const replayed: ServerFrame[] = []
    const again = await client.sessions.attach('alpha', { after: 0 })
    again.onMessage((frame) => replayed.push(frame)) // subscribing after attach() still gets the replay
    await waitFor(() => again.lastSeq === lastSeq, 'the replay')
    assert.deepEqual(sequenced(replayed), history.events)
    await again.close()
  })

  it('deleting a session closes its connections for good (4404, no reconnect)', async () => {
    await client.sessions.create({ id: 'doomed' })
    const session = await client.sessions.attach('doomed')
    const states: ConnectionState[] = []
    const errors: unknown[] = []
    session.onConnectionChange((change) => states.push(change.state))
    session.onError((error) => errors.push(error))
    const loop = (async () => {
      for await (const _ of session.messages());
      return 'ended'
    })()
    await client.sessions.delete('doomed')
    assert.equal(await loop, 'ended')
    assert.deepEqual(states, ['closed'])
    assert.ok(wire('CONNECTION_CLOSED', 'SESSION_NOT_FOUND')(errors[0]), String(errors[0]))
    await assert.rejects(session.prompt('anyone?'), (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'))
    await assert.rejects(client.sessions.get('doomed'), wire('REQUEST_FAILED', 'SESSION_NOT_FOUND'))
    assert.ok(!(await client.sessions.list()).some((s) => s.id === 'doomed'))
  })

  it('stop() closes the sessions attached through the client', async () => {
    const c = new ClaudeAgentClient({ connectionUrl: stack.url })
    const session = await c.sessions.attach('alpha')
    await c.stop()
    assert.equal(session.connectionState, 'closed')
  })
})
