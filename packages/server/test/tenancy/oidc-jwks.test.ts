// An OIDC issuer whose JWKS endpoint misbehaves (a fake on loopback): every JWT is a clean 401
// `jwks_unavailable` while it does, the cause is said in the log once per outage, and no body
// is read past MAX_JWKS_BYTES (jose alone read any body whole until its timeout, and called a
// JWKS answering 500 or HTML a malformed JWT, logging nothing).
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { createLogger } from '../../src/index.js'
import { JwksUnreadable, MAX_JWKS_BYTES, jwksFetch } from '../../src/tenancy/jwks-fetch.js'
import { as } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'

const ISSUER = 'https://id.example.test'
const AUDIENCE = 'claude-agent-server'
const HUGE = 64 * 1024 ** 2

type Mode = (req: IncomingMessage, res: ServerResponse) => void

/** A body far over the limit, sent as fast as it is taken; `sentAll` says whether all of it was. */
function hugeBody(state: { sentAll: boolean }): Mode {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"keys":[{"kty":"EC","x":"')
    const chunk = Buffer.alloc(1024 ** 2, 'A')
    let sent = 0
    const pump = () => {
      while (sent < HUGE && !res.destroyed && res.write(chunk)) sent += chunk.length
      if (res.destroyed) return
      if (sent < HUGE) res.once('drain', pump)
      else res.end('"}]}', () => (state.sentAll = true))
    }
    pump()
  }
}

describe('an OIDC issuer whose JWKS misbehaves', () => {
  let issuer: Server
  let url: string
  let mode: Mode
  let goodKeys: string
  let token: string

  before(async () => {
    const pair = await generateKeyPair('ES256')
    goodKeys = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] })
    token = await new SignJWT({ sub: 'ann', role: 'member' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(pair.privateKey)
    issuer = createServer((req, res) => mode(req, res))
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/jwks.json`
  })
  after(async () => {
    issuer.closeAllConnections()
    await new Promise((resolve) => issuer.close(resolve))
  })

  describe('through the server', () => {
    let stack: Stack
    before(async () => {
      stack = await startStack({
        settings: {
          prewarm: false,
          oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: url, principalClaim: 'sub', roleClaim: 'role', defaultRole: 'viewer' },
        },
      })
    })
    after(() => stack.close())

    it('refuses JWTs as jwks_unavailable while it fails, says so once, reads no huge body whole, and accepts once it answers', async () => {
      mode = (_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>down</h1>')
      for (let i = 0; i < 3; i++) {
        const answer = await as(stack, { token }, 'GET', '/sessions')
        assert.deepEqual([answer.status, answer.body['data']?.reason], [401, 'jwks_unavailable'], answer.text)
      }
      const huge = { sentAll: false }
      mode = hugeBody(huge)
      const answer = await as(stack, { token }, 'GET', '/sessions')
      assert.deepEqual([answer.status, answer.body['data']?.reason], [401, 'jwks_unavailable'], answer.text)
      assert.equal(huge.sentAll, false, `the whole ${HUGE} bytes were read`)

      mode = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(goodKeys)
      assert.equal((await as(stack, { token }, 'GET', '/sessions')).status, 200)
      const said = stack.logLines.filter((line) => line.includes('OIDC: the JWKS'))
      assert.equal(said.length, 2, said.join('\n'))
      assert.match(said[0]!, /^warn .*cannot be read: it answered HTTP 500/)
      assert.match(said[1]!, /^info .*read again/)
      assert.ok(!stack.logLines.some((line) => line.includes(token)))
    })
  })

  describe('the fetch alone', () => {
    const logger = createLogger({ level: 'silent' })
    const cases: Array<[string, Mode, RegExp]> = [
      [
        'a declared length over the limit',
        (_req, res) => res.writeHead(200, { 'content-length': MAX_JWKS_BYTES + 1 }).write('{'),
        /over the limit/,
      ],
      [
        'a gzip body that inflates over the limit',
        (_req, res) =>
          res
            .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
            .end(gzipSync(`{"keys":[],"pad":"${' '.repeat(MAX_JWKS_BYTES * 4)}"}`)),
        /over the limit/,
      ],
      ['an HTML page', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'), /not JSON/],
      [
        'JSON that is no key set',
        (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"k1"}'),
        /not a key set/,
      ],
      ['a redirect', (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end(), /HTTP 302/],
    ]
    for (const [name, serve, reason] of cases) {
      it(`refuses ${name}`, async () => {
        mode = serve
        const fetchJwks = jwksFetch(url, logger)
        await assert.rejects(
          fetchJwks(url, { method: 'GET', redirect: 'manual', headers: new Headers(), signal: new AbortController().signal }),
          (err: unknown) => err instanceof JwksUnreadable && reason.test(err.message),
        )
      })
    }

    it('gives up on an endpoint that never answers once its signal aborts', async () => {
      const abort = new AbortController()
      mode = () => abort.abort() // heard, never answered
      const fetchJwks = jwksFetch(url, logger)
      await assert.rejects(
        fetchJwks(url, { method: 'GET', redirect: 'manual', headers: new Headers(), signal: abort.signal }),
        (err: unknown) => err instanceof JwksUnreadable && /in time/.test(err.message),
      )
    })
  })
})
