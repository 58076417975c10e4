// Bearer tokens against the real server: no token or a wrong one fails with CONNECTION_FAILED
// carrying UNAUTHORIZED; the right one works for the WebSocket, the config, the session API and
// the files; the debug log never prints it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ClaudeAgentClient, isClaudeAgentClientError } from '../../src/index.js'
import { WebSocketTransport } from '../../src/transport/websocket.js'
import { say, startStack, type Stack } from './helpers/stack.js'

const TOKEN = 'tok-client-e2e-0123456789abcdef'
const unauthorized = (error: unknown) => isClaudeAgentClientError(error, 'CONNECTION_FAILED') && error.serverCode === 'UNAUTHORIZED'

describe('tokens', () => {
  let stack: Stack
  const clients: ClaudeAgentClient[] = []
  const client = (options: ConstructorParameters<typeof ClaudeAgentClient>[0]) => {
    const c = new ClaudeAgentClient({ connectionUrl: stack.url, ...options })
    clients.push(c)
    return c
  }

  before(async () => {
    stack = await startStack({ scripts: [say('with a token', 'authorized')] }, { authTokens: [{ label: 'ci', token: TOKEN }] })
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.stop()))
    await stack.close()
  })

  it('without a token start() fails with CONNECTION_FAILED (UNAUTHORIZED)', async () => {
    await assert.rejects(client({}).start(), unauthorized)
  })

  it('a wrong token fails the same way, also when start() posts a config first', async () => {
    await assert.rejects(client({ token: 'wrong-token-0123456789' }).start(), unauthorized)
    await assert.rejects(client({ token: 'wrong-token-0123456789', model: 'm' }).start(), unauthorized)
    await assert.rejects(client({}).sessions.list(), unauthorized)
    await assert.rejects(client({}).listFiles(), unauthorized)
  })

  it('the right token works everywhere, and debug output never shows it', async () => {
    const lines: string[] = []
    const original = console.error
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '))
    try {
      const c = client({ authToken: TOKEN, debug: true, model: 'claude-e2e-model' })
      await c.start()
      assert.equal((await c.prompt('with a token')).result, 'authorized')
      assert.equal((await c.getConfig()).config.model, 'claude-e2e-model')
      assert.ok((await c.sessions.list()).some((s) => s.id === 'default'))
      await c.writeFile('auth.txt', 'ok')
      assert.equal(await c.readFile('auth.txt'), 'ok')
      const watch = await c.watchDir('.', () => {})
      await watch.stop()
      assert.equal((await c.exec('true')).exitCode, 0)
      await c.stop()
    } finally {
      console.error = original
    }
    assert.ok(lines.length > 10, 'debug output was written')
    assert.ok(!lines.some((line) => line.includes(TOKEN)), 'the token is never logged')
  })

  it('browsers present it as the subprotocols ["bearer", token]', async () => {
    // A WebSocket constructor of our own takes the browser path (no headers).
    const { WebSocket } = await import('ws')
    const seen: unknown[] = []
    const Browserish = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        seen.push(protocols)
        super(url, protocols)
      }
    }
    const transport = new WebSocketTransport({
      url: `${stack.url.replace(/^http/, 'ws')}/ws`,
      token: TOKEN,
      WebSocket: Browserish as never,
    })
    const first = new Promise<string>((resolve) => (transport.onmessage = resolve))
    await transport.start()
    assert.equal(JSON.parse(await first).type, 'connected')
    assert.deepEqual(seen, [['bearer', TOKEN]])
    await transport.close()
  })
})
