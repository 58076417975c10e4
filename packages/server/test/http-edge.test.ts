// The HTTP edge as an attacker meets it: requests no route expects (`GET //`), malformed
// percent-escapes, bytes Node's parser refuses, CONNECT and broken WebSocket handshakes. Each
// gets a typed answer in the wire error shape, and the server keeps serving.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { rawGet, rawRequest, rawUpgrade, type RawResponse } from './helpers/raw-http.js'
import { startStack, type Stack } from './helpers/stack.js'

const TOKEN = 'tok-edge-0123456789abcdef'
const AUTH = `Authorization: Bearer ${TOKEN}`
const BAD_ESCAPES = ['%zz', '%', '%uD83D', '%E0%A4%A']

function assertTyped(res: RawResponse, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: status (${res.text.slice(0, 200)})`)
  assert.equal(res.json?.['code'], code, `${what}: code in ${res.text.slice(0, 200)}`)
  assert.equal(typeof res.json?.['error'], 'string', `${what}: a message`)
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, `${what}: content-type`)
}

describe('the HTTP edge', () => {
  let stack: Stack
  let port: number
  // The server runs in this process: an error it leaves uncaught would end a real server.
  const uncaught: unknown[] = []
  const record = (err: unknown) => uncaught.push(err)
  before(async () => {
    process.on('uncaughtException', record)
    stack = await startStack({ settings: { authTokens: [{ label: 'edge', token: TOKEN }] } })
    port = stack.server.port
  })
  after(async () => {
    process.off('uncaughtException', record)
    await stack.close()
  })

  const serving = async () => {
    assertTyped(await rawRequest(port, rawGet('/nope', [AUTH])), 404, 'NOT_FOUND', 'still serving')
    assert.deepEqual(uncaught.map(String), [], 'nothing left uncaught')
  }

  it('answers GET // with and without a token, and lives on', async () => {
    assertTyped(await rawRequest(port, rawGet('//')), 401, 'UNAUTHORIZED', 'GET // without a token')
    assertTyped(await rawRequest(port, rawGet('//', [AUTH])), 404, 'NOT_FOUND', 'GET // with a token')
    // A path that looks like an authority stays a path: it names no other host's route.
    assertTyped(await rawRequest(port, rawGet('//localhost/health', [AUTH])), 404, 'NOT_FOUND', 'GET //localhost/health')
    assertTyped(await rawRequest(port, rawUpgrade('//')), 401, 'UNAUTHORIZED', 'upgrade // without a token')
    assertTyped(await rawRequest(port, rawUpgrade('//', [AUTH])), 404, 'NOT_FOUND', 'upgrade // with a token')
    await serving()
    assert.equal(stack.logLines.filter((l) => l.startsWith('error')).length, 0, stack.logLines.join('\n'))
  })

  it('refuses malformed percent-escapes in paths and queries with 400 INVALID_REQUEST', async () => {
    for (const bad of BAD_ESCAPES) {
      for (const target of [
        `/sessions/${bad}`,
        `/sessions/${bad}/events`,
        `/files?path=${bad}`,
        `/sessions?x=${bad}`,
        `/sessions/default/events?after=${bad}`,
        `/${bad}`,
      ]) {
        assertTyped(await rawRequest(port, rawGet(target, [AUTH])), 400, 'INVALID_REQUEST', `GET ${target}`)
      }
      for (const target of [`/sessions/${bad}/ws`, `/ws?label=${bad}`, `/files/watch?path=${bad}`]) {
        assertTyped(await rawRequest(port, rawUpgrade(target, [AUTH])), 400, 'INVALID_REQUEST', `upgrade ${target}`)
      }
    }
    // Without a token the answer is still 401: a bad escape reveals nothing before auth.
    assertTyped(await rawRequest(port, rawGet('/sessions/%zz')), 401, 'UNAUTHORIZED', 'no token')
    await serving()
  })

  it("answers what Node's HTTP parser refuses in the wire shape", async () => {
    const cases: Array<[string, string | Buffer, number, string]> = [
      ['a bad method', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ['oversized headers', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      [
        'Content-Length with Transfer-Encoding',
        'POST /config HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'two Content-Lengths',
        'POST /config HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'TLS bytes',
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]),
        400,
        'MALFORMED_REQUEST',
      ],
      ['a header with a NUL byte', `GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
      ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
    ]
    for (const [what, bytes, status, code] of cases) assertTyped(await rawRequest(port, bytes), status, code, what)
    await serving()
  })

  it('answers failed WebSocket handshakes in the wire shape', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['no key', rawUpgrade('/ws', [AUTH, 'Sec-WebSocket-Key: ']), 400, 'INVALID_HANDSHAKE'],
      ['a short key', rawUpgrade('/ws', [AUTH, 'Sec-WebSocket-Key: abc']), 400, 'INVALID_HANDSHAKE'],
      ['an unknown version', rawUpgrade('/ws', [AUTH, 'Sec-WebSocket-Version: 99']), 400, 'INVALID_HANDSHAKE'],
      ['another protocol', rawUpgrade('/ws', [AUTH, 'Upgrade: h2c']), 400, 'INVALID_HANDSHAKE'],
      ['a bad subprotocol list', rawUpgrade('/ws', [AUTH, 'Sec-WebSocket-Protocol: a,,b']), 400, 'INVALID_HANDSHAKE'],
      [
        'a bad subprotocol list on /files/watch',
        rawUpgrade('/files/watch', [AUTH, 'Sec-WebSocket-Protocol: a,,b']),
        400,
        'INVALID_HANDSHAKE',
      ],
      ['a POST upgrade', rawUpgrade('/ws', [AUTH]).replace(/^GET/, 'POST'), 405, 'METHOD_NOT_ALLOWED'],
    ]
    for (const [what, bytes, status, code] of cases) assertTyped(await rawRequest(port, bytes), status, code, what)
    await serving()
  })

  it('survives a client that resets the connection mid-upgrade', async () => {
    const { connect } = await import('node:net')
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, '127.0.0.1')
      await new Promise((resolve) => socket.once('connect', resolve))
      socket.write(rawUpgrade('/sessions/nope/ws', [AUTH]))
      socket.resetAndDestroy()
    }
    await serving()
  })
})
