// ClaudeAgentClient against the real server, SDK and CLI (scripted model): start() with a config,
// text and tool turns, interrupting a slow answer, unsubscribing, async iteration.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError, type ConnectionState, type ServerFrame } from '../../src/index.js'
import { say, slowly, startStack, waitFor, type Stack } from './helpers/stack.js'

const isResult = (f: ServerFrame) => f.type === 'sdk_message' && f.data.type === 'result'
const turnStarted = (f: ServerFrame) => f.type === 'sdk_message' && f.data.type === 'command_lifecycle' && f.data['state'] === 'started'

describe('ClaudeAgentClient end to end', () => {
  let stack: Stack
  let client: ClaudeAgentClient
  const states: ConnectionState[] = []
  const frames: ServerFrame[] = []

  before(async () => {
    stack = await startStack({
      scripts: [
        say('say hello', 'Hello from the scripted model'),
        {
          match: { prompt: 'make a file' },
          replies: [
            { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'echo made-by-agent > client-file.txt' } }] },
            { content: [{ type: 'text', text: 'Created client-file.txt' }] },
          ],
        },
        slowly('tell a long story', 'Once upon a time '.repeat(60)),
        say('after the interrupt', 'Still here'),
        say('first of two', 'one'),
        say('second of two', 'two'),
        say('iterate', 'iterated'),
      ],
    })
    client = new ClaudeAgentClient({ connectionUrl: stack.url, model: 'claude-e2e-model', systemPrompt: 'Be brief.' })
    client.onConnectionChange((change) => states.push(change.state))
    client.onMessage((frame) => frames.push(frame))
  })
  after(async () => {
    await client.stop()
    await stack.close()
  })

  it('send() and prompt() before start() fail with NOT_CONNECTED', async () => {
    assert.equal(client.connectionState, 'closed')
    assert.throws(
      () => client.send({ type: 'interrupt' }),
      (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'),
    )
    await assert.rejects(client.prompt('too early'), (e) => isClaudeAgentClientError(e, 'NOT_CONNECTED'))
  })

  it('start() posts the config and connects to the default session', async () => {
    await client.start()
    assert.equal(client.isConnected, true)
    assert.equal(client.connection?.sessionId, 'default')
    assert.deepEqual(states, ['connecting', 'connected'])
    const { config } = await client.getConfig()
    assert.equal(config.model, 'claude-e2e-model')
    assert.equal(config.systemPrompt, 'Be brief.')
  })

  it('prompt() resolves with the result of a text turn', async () => {
    const result = await client.prompt('say hello')
    assert.equal(result.is_error, false)
    assert.equal(result.result, 'Hello from the scripted model')
  })

  it('a tool turn runs Bash in the workspace', async () => {
    const result = await client.prompt('make a file')
    assert.equal(result.result, 'Created client-file.txt')
    const file = join(stack.settings.workspaceDir, 'client-file.txt')
    assert.ok(existsSync(file), 'the CLI ran the Bash tool in the workspace')
    assert.equal(readFileSync(file, 'utf8').trim(), 'made-by-agent')
  })

  it('interrupt() ends a slow answer with an error result; the next prompt works', async () => {
    const from = frames.length
    const story = client.prompt('tell a long story')
    await waitFor(() => frames.slice(from).some(turnStarted), 'the turn to start')
    await waitFor(() => stack.model.requests.some((r) => JSON.stringify(r.body).includes('tell a long story')), 'the model request')
    client.interrupt()
    const interrupted = await story
    assert.equal(interrupted.is_error, true)
    assert.equal(interrupted.subtype, 'error_during_execution')
    assert.equal((await client.prompt('after the interrupt')).result, 'Still here')
  })

  it('two prompts in flight at once each get their own result', async () => {
    const [one, two] = await Promise.all([client.prompt('first of two'), client.prompt('second of two')])
    assert.equal(one.result, 'one')
    assert.equal(two.result, 'two')
  })

  it('a prompt over the frame limit rejects PROMPT_REFUSED (FRAME_TOO_LARGE) at once, nothing sent; the connection stays', async () => {
    const limit = client.connection?.maxFrameBytes
    assert.equal(limit, stack.settings.maxFrameBytes, 'the connected frame names the limit')
    const sent = frames.length
    for (const size of [limit! + 1, 4 * limit! + 1]) {
      // Two-byte characters: the limit counts UTF-8 bytes, not characters.
      await assert.rejects(
        client.prompt('é'.repeat(Math.ceil(size / 2))),
        (e) =>
          isClaudeAgentClientError(e, 'PROMPT_REFUSED') && e.wireError?.code === 'FRAME_TOO_LARGE' && /nothing was sent/.test(e.message),
      )
    }
    // Just under the limit in characters, over it in bytes: refused too.
    await assert.rejects(client.prompt('é'.repeat(limit! / 2)), (e) => isClaudeAgentClientError(e, 'PROMPT_REFUSED'))
    assert.equal(client.connectionState, 'connected')
    assert.equal(frames.length, sent, 'the server saw none of it')
    const result = await client.prompt('first of two')
    assert.equal(result.subtype, 'success')
  })

  it("onMessage's unsubscribe stops delivery", async () => {
    const seen: ServerFrame[] = []
    const off = client.onMessage((frame) => seen.push(frame))
    await client.prompt('say hello')
    assert.ok(seen.some(isResult), 'delivered while subscribed')
    off()
    const count = seen.length
    const total = frames.length
    await client.prompt('say hello')
    assert.ok(frames.length > total, 'other handlers still get frames')
    assert.equal(seen.length, count, 'nothing after unsubscribing')
  })

  it('messages() iterates over the frames; break leaves the loop; stop() ends it', async () => {
    const types: string[] = []
    const iterate = client.prompt('iterate')
    for await (const frame of client.messages()) {
      types.push(frame.type === 'sdk_message' ? frame.data.type : frame.type)
      if (isResult(frame)) break
    }
    assert.equal((await iterate).result, 'iterated')
    assert.ok(types.includes('assistant') && types.at(-1) === 'result', types.join(','))

    const loop = (async () => {
      for await (const _ of client.messages()) void _
      return 'ended'
    })()
    await client.stop()
    assert.equal(await loop, 'ended')
    assert.equal(client.connectionState, 'closed')
    assert.equal(states.at(-1), 'closed')
  })
})
