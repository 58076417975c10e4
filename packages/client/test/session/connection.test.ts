// SessionConnection (through ClaudeAgentClient) against a scripted WebSocket peer: replay from the
// last delivered seq, duplicates dropped, results arriving by replay, and when it must not
// reconnect (4404, a refused upgrade, maxAttempts, reconnect: false, stop()).
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type ConnectionChange, type ServerFrame } from '../../src/index.js'
import { startFakeServer, type FakeConnection, type FakeServer } from '../helpers/fake-server.js'

const connected = (lastSeq: number, after = lastSeq) => ({ type: 'connected', sessionId: 's', demo: false, lastSeq, after })
const info = (seq: number) => ({ type: 'info', message: `event ${seq}`, source: 'server', seq })
const started = (uuid: string, seq: number) => ({
  type: 'sdk_message',
  seq,
  data: { type: 'command_lifecycle', command_uuid: uuid, state: 'started', uuid: `l-${uuid}`, session_id: 'c' },
})
const result = (text: string, seq: number) => ({
  type: 'sdk_message',
  seq,
  data: { type: 'result', subtype: 'success', is_error: false, session_id: 'c', result: text },
})
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5))
}

describe('SessionConnection', () => {
  let fake: FakeServer
  let client: ClaudeAgentClient
  let frames: ServerFrame[]
  let changes: ConnectionChange[]

  beforeEach(async () => {
    fake = await startFakeServer()
    fake.onConnection = (c) => c.send(connected(0))
  })
  afterEach(async () => {
    await client.stop()
    await fake.close()
  })

  function start(options: ConstructorParameters<typeof ClaudeAgentClient>[0] = {}) {
    const reconnect = { initialDelayMs: 5, maxDelayMs: 20 }
    client = new ClaudeAgentClient({ connectionUrl: fake.url, sessionId: 's', reconnect, ...options })
    frames = []
    changes = []
    client.onMessage((f) => frames.push(f))
    client.onConnectionChange((c) => changes.push(c))
    return client.start()
  }
  const seqs = () =>
    frames.flatMap((f) => {
      const seq = frameSeq(f)
      return seq === undefined ? [] : [seq]
    })
  const sent = (c: FakeConnection) => c.received.find((f) => f.type === 'user_message')?.data?.uuid

  it('reconnects after 4008 with after=<last delivered seq>, drops duplicates, passes seq-less frames', async () => {
    await start()
    const first = fake.connections[0]!
    for (const seq of [1, 2, 3]) first.send(info(seq))
    await until(() => seqs().length === 3)
    fake.onConnection = () => {}
    const second = fake.nextConnection()
    first.send({ type: 'error', code: 'SLOW_CONSUMER', error: 'Cut off' })
    first.socket.close(4008, 'SLOW_CONSUMER')
    const again = await second
    assert.equal(again.url.searchParams.get('after'), '3')
    again.send(connected(5, 3))
    for (const seq of [2, 3, 4, 5]) again.send(info(seq)) // a replay that overlaps what was delivered
    again.send({ type: 'info', message: 'not an event', source: 'server' })
    await until(() => frames.some((f) => f.type === 'info' && f.seq === undefined))
    assert.deepEqual(seqs(), [1, 2, 3, 4, 5])
    assert.deepEqual(frames.filter((f) => f.type === 'connected').length, 2)
    assert.ok(frames.some((f) => f.type === 'error' && f.code === 'SLOW_CONSUMER'))
    assert.deepEqual(
      changes.map((c) => c.state),
      ['connecting', 'connected', 'reconnecting', 'connected'],
    )
    assert.equal(changes[2]?.attempt, 1)
    assert.equal(client.lastSeq, 5)
  })

  it('a prompt survives a drop: its result may arrive by replay', async () => {
    await start()
    const first = fake.connections[0]!
    const answer = client.prompt('hello')
    await until(() => sent(first) !== undefined)
    first.send(started(sent(first)!, 1))
    await until(() => seqs().length === 1)
    fake.onConnection = () => {}
    const second = fake.nextConnection()
    first.socket.terminate()
    const again = await second
    assert.equal(again.url.searchParams.get('after'), '1')
    again.send(connected(2, 1))
    again.send(result('replayed answer', 2))
    assert.equal((await answer).result, 'replayed answer')
    assert.equal(again.received.length, 0, 'the prompt was not sent twice')
  })

  it('resends an unstarted prompt with its uuid only after the replay has caught up; DUPLICATE_PROMPT means wait', async () => {
    await start()
    const first = fake.connections[0]!
    const answer = client.prompt('hello')
    await until(() => sent(first) !== undefined)
    const uuid = sent(first)!
    first.send(info(1))
    await until(() => seqs().length === 1)
    fake.onConnection = () => {}
    const second = fake.nextConnection()
    first.socket.terminate()
    const again = await second
    again.send(connected(3, 1))
    again.send(info(2))
    await until(() => seqs().length === 2)
    assert.equal(again.received.length, 0, 'not resent while the replay may still show its start')
    again.send(info(3))
    await until(() => again.received.length === 1)
    assert.equal(sent(again), uuid, 'the same uuid')
    again.send({ type: 'error', code: 'DUPLICATE_PROMPT', error: 'already received', data: { uuid } })
    again.send(started(uuid, 4))
    again.send(result('queued all along', 5))
    assert.equal((await answer).result, 'queued all along')
    assert.ok(!frames.some((f) => f.type === 'error'), 'the answer to the resend is not passed on')
  })

  it('4404 (session deleted) ends the connection: no reconnect, prompts reject, onError reports it', async () => {
    await start()
    const errors: unknown[] = []
    client.onError((e) => errors.push(e))
    const pending = client.prompt('hello')
    const first = fake.connections[0]!
    first.send({ type: 'error', code: 'SESSION_NOT_FOUND', error: 'Session "s" was deleted' })
    first.socket.close(4404, 'SESSION_NOT_FOUND')
    const gone = (e: unknown) => isClaudeAgentClientError(e, 'CONNECTION_CLOSED') && e.wireError?.code === 'SESSION_NOT_FOUND'
    await assert.rejects(pending, gone)
    assert.ok(gone(errors[0]))
    assert.equal(client.connectionState, 'closed')
    assert.deepEqual(
      changes.map((c) => c.state),
      ['connecting', 'connected', 'closed'],
    )
  })

  it('a reconnect refused with HTTP 4xx ends the connection with the wire error', async () => {
    await start()
    const pending = client.prompt('hello')
    fake.refuse = { status: 400, body: { code: 'INVALID_CURSOR', error: 'after must be an integer from 0 to 0' } }
    fake.connections[0]!.socket.terminate()
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CONNECTION_CLOSED') && e.wireError?.code === 'INVALID_CURSOR')
    assert.equal(changes.at(-1)?.state, 'closed')
    assert.equal(changes.filter((c) => c.state === 'reconnecting').length, 1, 'no retry after a 4xx')
  })

  it('retries a 5xx refusal, and gives up after maxAttempts', async () => {
    await start({ reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } })
    const pending = client.prompt('hello')
    fake.refuse = { status: 503, body: { code: 'SHUTTING_DOWN', error: 'The server is shutting down' } }
    fake.connections[0]!.socket.terminate()
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CONNECTION_CLOSED'))
    assert.deepEqual(
      changes.filter((c) => c.state === 'reconnecting').map((c) => c.attempt),
      [1, 2, 3],
    )
    assert.equal(changes.at(-1)?.state, 'closed')
  })

  it('counts connections that do not last toward maxAttempts: a server closing each one at once is not retried for ever', async () => {
    await start({ reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } })
    const pending = client.prompt('hello')
    // Every new connection is accepted, told it is connected, and closed (1001: come back).
    fake.onConnection = (c) => {
      c.send(connected(0))
      c.socket.close(1001, 'going away')
    }
    fake.connections[0]!.socket.close(1001, 'going away')
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CONNECTION_CLOSED'))
    assert.deepEqual(
      changes.filter((c) => c.state === 'reconnecting').map((c) => c.attempt),
      [1, 2, 3],
    )
    assert.equal(changes.at(-1)?.state, 'closed')
  })

  it('reconnect: false: a drop ends the connection with CONNECTION_CLOSED; start() works again', async () => {
    await start({ reconnect: false })
    const pending = client.prompt('hello')
    fake.connections[0]!.socket.terminate()
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CONNECTION_CLOSED'))
    assert.throws(
      () => client.send({ type: 'interrupt' }),
      (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'),
    )
    await client.start()
    assert.equal(client.isConnected, true)
    assert.equal(fake.connections.length, 2)
  })

  it('stop() while reconnecting ends the attempts and rejects pending prompts with CLIENT_STOPPED', async () => {
    await start({ reconnect: { initialDelayMs: 60_000 } })
    const pending = client.prompt('hello')
    fake.connections[0]!.socket.terminate()
    await until(() => client.connectionState === 'reconnecting')
    await client.stop()
    await assert.rejects(pending, (e) => isClaudeAgentClientError(e, 'CLIENT_STOPPED'))
    assert.equal(client.connectionState, 'closed')
    assert.equal(fake.connections.length, 1)
  })

  it('an attached session, once closed for good, ends a messages() loop begun afterwards at once', async () => {
    await start()
    const session = await client.sessions.attach('s', { reconnect: false })
    await session.close()
    const afterClose = await Promise.race([
      session.messages().next(),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
    ])
    assert.deepEqual(afterClose, { value: undefined, done: true })

    const dropped = await client.sessions.attach('s', { reconnect: false })
    const closed = new Promise<void>((resolve) => dropped.onConnectionChange((c) => c.state === 'closed' && resolve()))
    fake.connections.at(-1)!.socket.terminate()
    await closed
    const afterDrop = await Promise.race([
      dropped.messages().next(),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000)),
    ])
    assert.deepEqual(afterDrop, { value: undefined, done: true })
  })
})
