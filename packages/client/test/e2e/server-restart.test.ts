// The server goes away mid-turn and comes back on the same port and data directory: the client
// reconnects by itself, catches up on what it missed (every event once, in order), the prompt
// whose turn was cut rejects with TURN_INTERRUPTED, and the next prompt continues the same
// conversation. Once with a graceful in-process close, once with a real crash (SIGKILL).
import { frameSeq } from '@claude-agent/protocol'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type ConnectionState, type ServerFrame } from '../../src/index.js'
import { startForwarder } from './helpers/forwarder.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { caughtUp, say, slowly, startStack, waitFor, TEST_API_KEY, type Stack } from './helpers/stack.js'

const scripts = [
  say('my name is Ada', 'Hello Ada'),
  slowly('long task', 'working '.repeat(300), 50),
  slowly('queued task', 'queued '.repeat(300), 50),
  say('what is my name', 'Your name is Ada'),
  { name: 'in flight', ...say('sent as the server stopped', 'ran on the new server') },
]
const turnsOf = (stack: Stack, name: string) => stack.model.requests.filter((r) => r.script === name && r.replyIndex === 0).length
const sequenced = (frames: ServerFrame[]) => frames.filter((f) => frameSeq(f) !== undefined)
const turnStarted = (f: ServerFrame) => f.type === 'sdk_message' && f.data.type === 'command_lifecycle' && f.data['state'] === 'started'
const interrupted = (e: unknown) => isClaudeAgentClientError(e, 'TURN_INTERRUPTED') && e.wireError?.code === 'INTERRUPTED_BY_RESTART'

function watch(client: ClaudeAgentClient) {
  const frames: ServerFrame[] = []
  const states: ConnectionState[] = []
  client.onMessage((frame) => frames.push(frame))
  client.onConnectionChange((change) => states.push(change.state))
  return { frames, states }
}

/** Everything the client delivered equals the server's log, and it has caught up. */
async function assertCaughtUp(client: ClaudeAgentClient, frames: ServerFrame[], id: string): Promise<void> {
  await caughtUp(client, client.sessions, id)
  const history = await client.sessions.history(id, { limit: 10_000 })
  assert.deepEqual(sequenced(frames), history.events, 'every event once, in order')
}

describe('server restart mid-turn', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  before(async () => {
    stack = await startStack({ scripts })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('graceful close and start on the same port: reconnects, catches up, cut turns reject TURN_INTERRUPTED', async () => {
    const client = new ClaudeAgentClient({ connectionUrl: stack.url, sessionId: 'ada', reconnect: { initialDelayMs: 20, maxDelayMs: 200 } })
    clients.push(client)
    const { frames, states } = watch(client)
    await client.sessions.create({ id: 'ada' })
    await client.start()
    assert.equal((await client.prompt('my name is Ada')).result, 'Hello Ada')

    const from = frames.length
    const running = client.prompt('long task')
    const runningEnded = running.then(
      (result) => result.is_error,
      (error: unknown) => interrupted(error),
    )
    const queued = client.prompt('queued task')
    queued.catch(() => {}) // asserted below
    await waitFor(() => frames.slice(from).some(turnStarted), 'the long task to start')
    await stack.restart()

    // close() interrupts the running turn (an error result) unless that takes too long; either way
    // the turn is over. The queued prompt never completes: it rejects.
    await assert.rejects(queued, interrupted)
    assert.equal(await runningEnded, true, 'the running turn ended interrupted')
    await waitFor(() => states.includes('reconnecting') && client.isConnected, 'the reconnect')
    await assertCaughtUp(client, frames, 'ada')

    assert.equal((await client.prompt('what is my name')).result, 'Your name is Ada')
    const turn = stack.model.requests.filter((r) => r.kind === 'turn').at(-1)!
    assert.ok(JSON.stringify(turn.body).includes('my name is Ada'), 'the conversation continued')
  })

  it('a prompt that never reached the stopping server is sent again to the new one, and runs once', async () => {
    const forwarder = await startForwarder(stack.server.port)
    const client = new ClaudeAgentClient({
      connectionUrl: forwarder.url,
      sessionId: 'flight',
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    })
    clients.push(client)
    const { frames } = watch(client)
    try {
      await client.sessions.create({ id: 'flight' })
      await client.start()
      forwarder.hold = true
      const answer = client.prompt('sent as the server stopped')
      await waitFor(() => forwarder.heldBytes > 0, 'the prompt to be sent')
      await stack.restart() // closes the connection: the bytes held back never arrive
      forwarder.hold = false
      assert.equal((await answer).result, 'ran on the new server')
      assert.equal(turnsOf(stack, 'in flight'), 1, 'it ran once')
      await assertCaughtUp(client, frames, 'flight')
    } finally {
      await client.stop()
      await forwarder.close()
    }
  })
})

describe('server crash mid-turn', () => {
  let stack: Stack // only its scripted model is used: the server runs as a child process
  let dir: string
  let env: Record<string, string>
  const servers: ServerProcess[] = []
  const clients: ClaudeAgentClient[] = []
  before(async () => {
    stack = await startStack({ scripts })
    dir = mkdtempSync(join(tmpdir(), 'cas-client-crash-'))
    env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      ANTHROPIC_BASE_URL: stack.model.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      LOG_LEVEL: 'info',
    }
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    for (const server of servers) server.child.kill('SIGKILL')
    await Promise.all(servers.map((s) => s.exited))
    await stack.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  it('SIGKILL and restart on the same port: the pending prompt rejects TURN_INTERRUPTED; the next one works', async () => {
    const first = await spawnServer({ ...env, PORT: '0' }, dir)
    servers.push(first)
    const reconnect = { initialDelayMs: 20, maxDelayMs: 200 }
    const client = new ClaudeAgentClient({ connectionUrl: first.url, sessionId: 'crash', reconnect })
    clients.push(client)
    const { frames } = watch(client)
    await client.sessions.create({ id: 'crash' })
    await client.start()
    assert.equal((await client.prompt('my name is Ada')).result, 'Hello Ada')

    const from = frames.length
    const cut = client.prompt('long task')
    cut.catch(() => {}) // asserted below
    await waitFor(() => frames.slice(from).some(turnStarted), 'the long task to start')
    first.child.kill('SIGKILL')
    assert.equal(await first.exited, 'SIGKILL')
    servers.push(await spawnServer({ ...env, PORT: String(first.port) }, dir))

    await assert.rejects(cut, interrupted)
    await assertCaughtUp(client, frames, 'crash')
    assert.equal((await client.prompt('what is my name')).result, 'Your name is Ada')
  })
})
