// Single sign-on: bearer JWTs verified against a JWKS this test serves on loopback (keys made
// with jose). Accepted with its subject and role; every bad one a clean 401 UNAUTHORIZED with
// its reason, and no log line holds a token.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose'
import { refusedUpgrade } from '../helpers/http.js'
import { as } from '../helpers/principals.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

const ISSUER = 'https://id.example.test'
const AUDIENCE = 'claude-agent-server'

describe('OIDC bearer JWTs', () => {
  let stack: Stack
  let jwks: Server
  let key: CryptoKey
  let otherKey: CryptoKey
  const issued: string[] = []

  before(async () => {
    const pair = await generateKeyPair('ES256')
    key = pair.privateKey
    otherKey = (await generateKeyPair('ES256')).privateKey
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })))
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`
    stack = await startStack({
      settings: {
        prewarm: false,
        oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUrl, principalClaim: 'email', roleClaim: 'roles', defaultRole: 'viewer' },
      },
    })
  })
  after(async () => {
    await stack.close()
    await new Promise((resolve) => jwks.close(resolve))
  })

  async function jwt(claims: JWTPayload, options: { signer?: CryptoKey; expires?: string | number; iss?: string; aud?: string } = {}) {
    const token = await new SignJWT({ email: 'ann@example.test', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.signer ?? key)
    issued.push(token)
    return token
  }
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

  it('accepts a valid JWT as the principal its claims name, with its role', async () => {
    const token = await jwt({ roles: ['member'] })
    const created = await as(stack, { token }, 'POST', '/sessions', {})
    assert.equal(created.status, 201, created.text)
    assert.equal(created.body['session'].owner, 'ann@example.test')
    assert.equal((await as(stack, { token }, 'GET', '/tokens')).body['code'], 'FORBIDDEN', 'a member, not an admin')
    const admin = await jwt({ email: 'root@example.test', roles: ['viewer', 'admin'] })
    assert.equal((await as(stack, { token: admin }, 'GET', '/tokens')).status, 200, 'the strongest role of a list')
    const viewer = await jwt({ email: 'vic@example.test' })
    assert.equal((await as(stack, { token: viewer }, 'POST', '/sessions', {})).body['code'], 'FORBIDDEN', 'no role claim: the default role')
    const probe = await WsProbe.connect(
      `${stack.url.replace(/^http/, 'ws')}/sessions/${created.body['session'].id}/ws?access_token=${token}`,
    )
    probe.close()
  })

  it('refuses expired, wrong audience, wrong issuer, wrong key, alg none and an unknown role, each with its reason', async () => {
    const now = Math.floor(Date.now() / 1000)
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ email: 'root@example.test', roles: 'admin', iss: ISSUER, aud: AUDIENCE, exp: now + 300 })}.`
    const hs256 = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64({ email: 'root@example.test', iss: ISSUER, aud: AUDIENCE, exp: now + 300 })}.c2ln`
    issued.push(none, hs256)
    const cases: Array<[string, string]> = [
      ['expired', await jwt({ roles: 'member' }, { expires: now - 60 })],
      ['audience', await jwt({ roles: 'member' }, { aud: 'someone-else' })],
      ['issuer', await jwt({ roles: 'member' }, { iss: 'https://evil.example.test' })],
      ['signature', await jwt({ roles: 'admin' }, { signer: otherKey })],
      ['algorithm', none],
      ['algorithm', hs256],
      ['role', await jwt({ roles: 'superuser' })],
      ['principal', await jwt({ email: 42, roles: 'member' })],
      ['principal', await jwt({ email: 'ann@example.test,bob@example.test', roles: 'member' })],
      ['principal', await jwt({ email: 'ann@example.test\n{"level":60}', roles: 'member' })],
    ]
    for (const [reason, token] of cases) {
      const answer = await as(stack, { token }, 'GET', '/sessions')
      assert.equal(answer.status, 401, `${reason}: ${answer.text}`)
      assert.equal(answer.body['code'], 'UNAUTHORIZED')
      assert.equal(answer.body['data']?.reason, reason, answer.text)
      assert.ok(!answer.text.includes(token))
    }
    const ws = await refusedUpgrade(`${stack.wsUrl}?access_token=${cases[0]![1]}`)
    assert.deepEqual([ws.status, ws.body['data']?.reason], [401, 'expired'])
  })

  it('closes a socket opened with a JWT when the JWT expires', async () => {
    const token = await jwt({ roles: 'admin' }, { expires: Math.floor(Date.now() / 1000) + 2 })
    const probe = await WsProbe.connect(`${stack.wsUrl}?access_token=${token}`)
    const code = await new Promise<number>((resolve) => probe.socket.once('close', resolve))
    assert.equal(code, CLOSE_CODES.revoked)
    assert.match(String(probe.frames.at(-1)?.['error']), /expired/)
  })

  it('logs no token', () => {
    for (const token of issued) assert.ok(!stack.logLines.some((line) => line.includes(token)))
  })
})
