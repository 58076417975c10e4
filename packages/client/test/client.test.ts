// ClaudeAgentClient behaviour that needs no server: state errors, NO_PROVIDER, unreachable servers.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, it } from 'node:test'
import { ClaudeAgentClient, ClaudeAgentClientError, isClaudeAgentClientError } from '../src/index.js'
import type { ClientErrorCode } from '../src/index.js'
import { waitForHealth } from '../src/providers/health.js'
import { collectGarbageEvery } from './helpers/gc.js'

const hasCode = (code: ClientErrorCode) => (error: unknown) => {
  assert.ok(error instanceof ClaudeAgentClientError, `expected ClaudeAgentClientError, got ${String(error)}`)
  assert.equal(error.code, code)
  return true
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

const clients: ClaudeAgentClient[] = []
function client(options: ConstructorParameters<typeof ClaudeAgentClient>[0]): ClaudeAgentClient {
  const c = new ClaudeAgentClient(options)
  clients.push(c)
  return c
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()))
})

describe('before start()', () => {
  it('send() throws NOT_CONNECTED', () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    assert.throws(() => c.send({ type: 'interrupt' }), hasCode('NOT_CONNECTED'))
    assert.throws(
      () => c.send({ type: 'user_message', data: { type: 'user', message: { role: 'user', content: 'hi' } } }),
      hasCode('NOT_CONNECTED'),
    )
  })

  it('prompt() rejects with NOT_CONNECTED', async () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    await assert.rejects(c.prompt('hello'), hasCode('NOT_CONNECTED'))
  })

  it('interrupt(), getConfig() and setConfig() fail with NOT_CONNECTED', async () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    assert.throws(() => c.interrupt(), hasCode('NOT_CONNECTED'))
    await assert.rejects(c.getConfig(), hasCode('NOT_CONNECTED'))
    await assert.rejects(c.setConfig({ model: 'm' }), hasCode('NOT_CONNECTED'))
  })

  it('control helpers reject with NOT_CONNECTED; files need a server URL', async () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    await assert.rejects(c.setModel('m'), hasCode('NOT_CONNECTED'))
    await assert.rejects(c.listCommands(), hasCode('NOT_CONNECTED'))
    const local = client({ provider: 'local' })
    await assert.rejects(local.readFile('x'), hasCode('NOT_CONNECTED'))
    await assert.rejects(local.exec('true'), hasCode('NOT_CONNECTED'))
  })

  it('the NOT_CONNECTED message tells the caller to call start()', () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    assert.throws(() => c.interrupt(), /call start\(\) first/)
  })

  it('stop() resolves and is idempotent', async () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    await c.stop()
    await c.stop()
    assert.equal(c.isConnected, false)
  })
})

describe('start()', () => {
  it('with nowhere to run a server rejects with NO_PROVIDER, naming the three ways', async (t) => {
    // An E2B key in the environment would select the E2B provider instead.
    const key = process.env['E2B_API_KEY']
    delete process.env['E2B_API_KEY']
    t.after(() => key !== undefined && (process.env['E2B_API_KEY'] = key))
    const c = client({ anthropicApiKey: 'sk-ant-test' })
    await assert.rejects(c.start(), hasCode('NO_PROVIDER'))
    const error = (await c.start().catch((e: unknown) => e)) as Error
    for (const way of ['connectionUrl', "provider: 'local'", 'e2bApiKey', 'E2B_API_KEY']) assert.ok(error.message.includes(way), way)
  })

  it('refuses a connectTimeoutMs no timer can keep (INVALID_ARGUMENT), rather than timing out at once', async () => {
    for (const connectTimeoutMs of [Infinity, 2 ** 31, 0, -1, Number.NaN]) {
      assert.throws(
        () => client({ connectionUrl: 'http://127.0.0.1:1', connectTimeoutMs }),
        hasCode('INVALID_ARGUMENT'),
        String(connectTimeoutMs),
      )
      const c = client({ connectionUrl: 'http://127.0.0.1:1' })
      await assert.rejects(c.sessions.attach('s', { connectTimeoutMs }), hasCode('INVALID_ARGUMENT'), String(connectTimeoutMs))
    }
  })

  it('refuses provider options that contradict each other (INVALID_ARGUMENT)', () => {
    assert.throws(() => client({ provider: 'url' }), hasCode('INVALID_ARGUMENT'))
    assert.throws(() => client({ provider: 'local', connectionUrl: 'http://127.0.0.1:1' }), hasCode('INVALID_ARGUMENT'))
    assert.throws(() => client({ sandboxId: 'sbx', connectionUrl: 'http://127.0.0.1:1' }), hasCode('INVALID_ARGUMENT'))
    assert.throws(() => client({ sandboxId: 'sbx', provider: 'local' }), hasCode('INVALID_ARGUMENT'))
    assert.throws(() => client({ provider: 'docker' as never }), hasCode('INVALID_ARGUMENT'))
    assert.throws(() => client({ token: 'a-token-123456', authToken: 'another-token-123' }), hasCode('INVALID_ARGUMENT'))
  })

  it('refuses a token no header can carry (INVALID_ARGUMENT) without showing it', () => {
    const secret = 'tok-secret-0123456789abcdef'
    for (const token of [`${secret}\n`, `${secret}\r\nX-Evil: 1`, `${secret}\u0000`, `${secret}\u00e9`, `${secret}\u2028`]) {
      for (const name of ['token', 'authToken'] as const) {
        assert.throws(
          () => client({ connectionUrl: 'http://127.0.0.1:1', [name]: token }),
          (error: unknown) =>
            hasCode('INVALID_ARGUMENT')(error) && !(error as Error).message.includes(secret) && (error as Error).message.includes(name),
          JSON.stringify(token),
        )
      }
    }
    // Node sends it as a header, so a base64 token (with `=`, `/`, `+`) is fine here.
    assert.doesNotThrow(() => client({ connectionUrl: 'http://127.0.0.1:1', token: 'ab+c/d==' }))
  })

  it('pause() needs a provider that can pause (NOT_SUPPORTED), resume() a paused client', async () => {
    const c = client({ connectionUrl: 'http://127.0.0.1:1' })
    await assert.rejects(c.pause(), hasCode('NOT_SUPPORTED'))
    await assert.rejects(c.resume(), hasCode('NOT_CONNECTED'))
    assert.equal(c.sandbox, undefined)
  })

  it('a provider of your own is started, used and stopped', async () => {
    const calls: string[] = []
    const c = client({
      provider: {
        name: 'custom',
        passesCredential: false,
        async start() {
          calls.push('start')
          return { baseUrl: `http://127.0.0.1:${await closedPort()}` }
        },
        async stop() {
          calls.push('stop')
        },
        info: () => ({ provider: 'custom', id: 'c-1' }),
      },
    })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
    assert.deepEqual(calls, ['start', 'stop'])
  })

  it('a provider that fails to start rejects start() with its error', async () => {
    const c = client({
      provider: {
        name: 'broken',
        passesCredential: true,
        start: () => Promise.reject(new ClaudeAgentClientError('PROVIDER_FAILED', 'no machine')),
        stop: async () => {},
        info: () => undefined,
      },
    })
    await assert.rejects(c.start(), hasCode('PROVIDER_FAILED'))
  })

  it('against a closed port rejects with CONNECTION_FAILED', async () => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await closedPort()}` })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
    assert.equal(c.isConnected, false)
    assert.throws(() => c.send({ type: 'interrupt' }), hasCode('NOT_CONNECTED'))
  })

  it('with a query config against a closed port rejects with CONNECTION_FAILED (config POST)', async () => {
    const c = client({ connectionUrl: `ws://127.0.0.1:${await closedPort()}`, model: 'claude-test' })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
  })

  it('can be retried after a failure (not ALREADY_STARTED)', async () => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await closedPort()}` })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
  })

  it('a second start() while the first is pending rejects with ALREADY_STARTED', async () => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await closedPort()}` })
    const first = c.start()
    await assert.rejects(c.start(), hasCode('ALREADY_STARTED'))
    await assert.rejects(first, hasCode('CONNECTION_FAILED'))
  })

  it('never logs the API key in debug mode', async (t) => {
    const lines: string[] = []
    t.mock.method(console, 'error', (...args: unknown[]) => lines.push(args.map(String).join(' ')))
    const c = client({
      connectionUrl: `http://127.0.0.1:${await closedPort()}`,
      anthropicApiKey: 'sk-ant-very-secret',
      model: 'claude-test',
      debug: true,
    })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
    t.mock.restoreAll()
    assert.ok(
      lines.some((l) => l.startsWith('[claude-agent] POST')),
      `config POST not logged: ${lines.join('\n')}`,
    )
    assert.ok(
      lines.every((l) => !l.includes('sk-ant-very-secret')),
      lines.join('\n'),
    )
  })
})

describe('start() against a socket that never answers', () => {
  // A raw TCP listener that accepts and stays silent: the HTTP upgrade never completes.
  async function silentPort(t: { after(fn: () => void | Promise<void>): void }): Promise<number> {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((s) => sockets.add(s))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    t.after(() => {
      for (const s of sockets) s.destroy()
      server.close()
    })
    return (server.address() as net.AddressInfo).port
  }

  it('rejects with CONNECTION_FAILED after connectTimeoutMs', async (t) => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await silentPort(t)}`, connectTimeoutMs: 200 })
    await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
  })

  it('rejects after connectTimeoutMs, garbage collections or not', async (t) => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await silentPort(t)}`, connectTimeoutMs: 500 })
    const stopCollecting = collectGarbageEvery(20)
    try {
      await assert.rejects(c.start(), hasCode('CONNECTION_FAILED'))
    } finally {
      stopCollecting()
    }
  })

  it('a health wait gives up after its timeout, garbage collections or not', async (t) => {
    const url = `http://127.0.0.1:${await silentPort(t)}`
    const stopCollecting = collectGarbageEvery(20)
    try {
      await assert.rejects(waitForHealth(url, { timeoutMs: 500 }), /did not answer within 500 ms/)
    } finally {
      stopCollecting()
    }
  })

  it('stop() during start() rejects the start with CLIENT_STOPPED', async (t) => {
    const c = client({ connectionUrl: `http://127.0.0.1:${await silentPort(t)}` })
    const starting = c.start()
    await new Promise((r) => setTimeout(r, 50))
    await c.stop()
    await assert.rejects(starting, hasCode('CLIENT_STOPPED'))
    assert.ok(isClaudeAgentClientError(await starting.catch((e: unknown) => e), 'CLIENT_STOPPED'))
  })
})
