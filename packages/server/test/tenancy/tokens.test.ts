// Run-time tokens: created by admins (the value shown once), listed without values, stored as
// a hash, revoked at once for HTTP and for open WebSockets; AUTH_TOKENS gains an optional role.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CLOSE_CODES } from '@claude-agent/protocol'
import { SettingsError, settingsFromEnv } from '../../src/index.js'
import { as, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'
import { WsProbe } from '../helpers/ws-probe.js'

describe('run-time tokens', () => {
  let stack: Stack
  before(async () => {
    stack = await startTenancyStack()
  })
  after(() => stack.close())

  it('creates a token shown once, lists it without its value and stores only its hash', async () => {
    const created = await as(stack, 'root', 'POST', '/tokens', { label: 'dana', role: 'member' })
    assert.equal(created.status, 201)
    const { token, secret } = created.body as { token: { id: string; label: string; role: string; createdBy: string }; secret: string }
    assert.deepEqual([token.label, token.role, token.createdBy], ['dana', 'member', 'root'])
    assert.match(secret, /^cas_[\w-]{43}$/)
    const listed = await as(stack, 'root', 'GET', '/tokens')
    assert.ok(listed.body['tokens'].some((t: { id: string }) => t.id === token.id))
    assert.ok(!listed.text.includes(secret), 'no value in the list')
    // dana acts as the member she is: she creates her own session, and sees no admin route.
    const session = await as(stack, { token: secret }, 'POST', '/sessions', {})
    assert.equal(session.body['session'].owner, 'dana')
    assert.equal((await as(stack, { token: secret }, 'GET', '/tokens')).body['code'], 'FORBIDDEN')
    // The file and its WAL: a commit lives in the WAL until a checkpoint copies it over.
    const file = join(stack.dir, 'data', 'sessions.db')
    const db = Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
    assert.ok(db.includes(Buffer.from(token.id)), 'the token row is in what was read')
    assert.ok(!db.includes(Buffer.from(secret)), 'the database holds no token value')
    assert.ok(!stack.logLines.some((line) => line.includes(secret)), 'no log line holds it')
  })

  it('refuses bad requests with INVALID_REQUEST, and an unknown id with TOKEN_NOT_FOUND', async () => {
    assert.equal((await as(stack, 'root', 'POST', '/tokens', { label: 'x', role: 'owner' })).body['code'], 'INVALID_REQUEST')
    assert.equal((await as(stack, 'root', 'POST', '/tokens', { label: 'a,b', role: 'viewer' })).body['code'], 'INVALID_REQUEST')
    assert.equal(
      (await as(stack, 'root', 'POST', '/tokens', { label: 'x', role: 'viewer', token: 'mine' })).body['code'],
      'INVALID_REQUEST',
    )
    const missing = await as(stack, 'root', 'DELETE', '/tokens/tok_nope')
    assert.deepEqual([missing.status, missing.body['code']], [404, 'TOKEN_NOT_FOUND'])
  })

  it('revokes a token at once: its requests are refused and its open WebSockets close', async () => {
    const { body } = await as(stack, 'root', 'POST', '/tokens', { label: 'eve', role: 'admin' })
    const secret = body['secret'] as string
    assert.equal((await as(stack, { token: secret }, 'GET', '/tokens')).status, 200)
    const probe = await WsProbe.connect(`${stack.wsUrl}?access_token=${secret}`)
    const closed = new Promise<number>((resolve) => probe.socket.once('close', (code) => resolve(code)))
    const revoked = await as(stack, 'root', 'DELETE', `/tokens/${body['token'].id}`)
    assert.deepEqual(revoked.body, { revoked: body['token'].id })
    assert.equal(await closed, CLOSE_CODES.revoked)
    assert.equal(probe.frames.at(-1)?.['code'], 'UNAUTHORIZED')
    const after = await as(stack, { token: secret }, 'GET', '/health')
    assert.deepEqual([after.status, after.body['code']], [401, 'UNAUTHORIZED'])
  })
})

describe('AUTH_TOKENS with roles', () => {
  const env = (AUTH_TOKENS: string) => ({ DATA_DIR: '/tmp/cas-settings-probe', AUTH_TOKENS })

  it('reads label:token as an admin, label:role:token with its role, a bare token as an admin', () => {
    const tokens = settingsFromEnv(env('ann:member:tok-a,root:tok-r,vic:viewer:tok-v')).authTokens
    assert.deepEqual(
      tokens.map((t) => [t.label, t.role ?? 'admin', t.token]),
      [
        ['ann', 'member', 'tok-a'],
        ['root', 'admin', 'tok-r'],
        ['vic', 'viewer', 'tok-v'],
      ],
    )
    const bare = settingsFromEnv({ DATA_DIR: '/tmp/cas-settings-probe', AUTH_TOKEN: 'just-a-token' }).authTokens
    assert.deepEqual(bare, [{ label: 'token', token: 'just-a-token' }])
  })

  it('stops the start on an unknown role, naming it and the label but never the token', () => {
    assert.throws(
      () => settingsFromEnv(env('ann:superuser:tok-secret-value')),
      (err: Error) =>
        err instanceof SettingsError &&
        /unknown role "superuser" for token "ann"/.test(err.message) &&
        !err.message.includes('tok-secret-value'),
    )
  })

  it('stops the start on an empty token (nobody could present it) or a label that is no principal id, never showing either', () => {
    assert.throws(
      () => settingsFromEnv(env('ann:tok-secret-value,bob:')),
      (err: Error) => err instanceof SettingsError && /the token for "bob" is empty/.test(err.message),
    )
    assert.throws(() => settingsFromEnv(env('vic:viewer:')), /the token for "vic" is empty/)
    const long = `${'x'.repeat(300)}:tok-secret-value`
    assert.throws(
      () => settingsFromEnv(env(long)),
      (err: Error) => err instanceof SettingsError && /a label is not a principal id/.test(err.message) && !err.message.includes('xxxx'),
    )
    assert.throws(() => settingsFromEnv(env('a\u0007b:tok')), /a label is not a principal id/)
  })

  it('refuses an unknown MEMBER_PERMISSION_MODES mode and a partial OIDC setting', () => {
    assert.throws(() => settingsFromEnv({ DATA_DIR: '/tmp/x', MEMBER_PERMISSION_MODES: 'default,yolo' }), /unknown mode "yolo"/)
    assert.throws(() => settingsFromEnv({ DATA_DIR: '/tmp/x', OIDC_ISSUER: 'https://id.example' }), /OIDC_AUDIENCE and OIDC_JWKS_URL/)
  })
})
