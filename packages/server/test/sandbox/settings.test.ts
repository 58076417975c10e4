// Choosing the sandbox (bubblewrap by default, none only when asked), what the agent's
// environment becomes inside it, and the error that names the package when bwrap is missing.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findBwrap } from '../../src/sandbox/bwrap-detect.js'
import { MODEL_PORT, PLACEHOLDER_CREDENTIAL, PROXY_PORT, splitEnv } from '../../src/sandbox/sandbox-env.js'
import { sandboxKindFrom, settingsFromEnv } from '../../src/settings.js'

describe('sandbox settings', () => {
  it('defaults to bubblewrap; none only from SANDBOX or --sandbox', () => {
    assert.equal(sandboxKindFrom({}), 'bubblewrap')
    assert.equal(sandboxKindFrom({ SANDBOX: 'none' }), 'none')
    assert.equal(sandboxKindFrom({}, ['--sandbox', 'none']), 'none')
    assert.equal(sandboxKindFrom({}, ['--sandbox=none']), 'none')
    assert.equal(sandboxKindFrom({ SANDBOX: 'none' }, ['--sandbox', 'bubblewrap']), 'bubblewrap', 'the flag wins')
    assert.throws(() => sandboxKindFrom({}, ['--sandbox', 'docker']), { code: 'SANDBOX_INVALID_SETTING' })
    assert.throws(() => sandboxKindFrom({}, ['--sandbox']), { code: 'SANDBOX_INVALID_SETTING' })
  })

  it('reads the allow-list and extra hidden paths as comma lists', () => {
    const s = settingsFromEnv({ SANDBOX_ALLOWED_HOSTS: 'api.anthropic.com:443, registry.npmjs.org', SANDBOX_HIDE: '/srv/keys' })
    assert.deepEqual(s.sandboxAllowedHosts, ['api.anthropic.com:443', 'registry.npmjs.org'])
    assert.deepEqual(s.sandboxHide, ['/srv/keys'])
    assert.equal(settingsFromEnv({}).sandboxAllowedHosts, undefined, 'default: the model API, decided per run')
  })

  it('names the package to install when bwrap is missing', () => {
    assert.throws(
      () => findBwrap('/nonexistent:/also-missing'),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BWRAP_NOT_FOUND')
        assert.match(err.message, /`bubblewrap`/)
        assert.match(err.message, /--sandbox none/)
        return true
      },
    )
    assert.throws(() => findBwrap(process.env['PATH'], '/nonexistent/bwrap'), { code: 'BWRAP_NOT_FOUND' })
  })
})

describe('the environment inside the sandbox', () => {
  const hostEnv = {
    PATH: '/usr/bin:/bin',
    HOME: '/data/sessions/s/home',
    ANTHROPIC_API_KEY: 'sk-real-0123456789',
    ANTHROPIC_AUTH_TOKEN: 'token-real-0123456789',
    AWS_SECRET_ACCESS_KEY: 'aws-real-0123456789',
    ANTHROPIC_BASE_URL: 'https://llm-gateway.example.com/anthropic',
    HTTPS_PROXY: 'http://corp-proxy:3128',
  }

  it('holds placeholders and loopback URLs, never a real secret', () => {
    const { inside, route } = splitEnv(hostEnv)
    assert.equal(inside['ANTHROPIC_API_KEY'], PLACEHOLDER_CREDENTIAL)
    assert.equal(inside['ANTHROPIC_AUTH_TOKEN'], PLACEHOLDER_CREDENTIAL)
    assert.equal(inside['AWS_SECRET_ACCESS_KEY'], undefined)
    assert.equal(inside['ANTHROPIC_BASE_URL'], `http://127.0.0.1:${MODEL_PORT}`)
    assert.equal(inside['HTTPS_PROXY'], `http://127.0.0.1:${PROXY_PORT}`)
    assert.match(inside['NO_PROXY']!, /127\.0\.0\.1/)
    assert.equal(inside['PATH'], hostEnv.PATH)
    assert.equal(inside['HOME'], hostEnv.HOME)
    const text = JSON.stringify(inside)
    for (const secret of ['sk-real', 'token-real', 'aws-real', 'llm-gateway', 'corp-proxy']) assert.ok(!text.includes(secret), secret)

    assert.equal(route?.upstream.href, 'https://llm-gateway.example.com/anthropic')
    assert.deepEqual(route?.credentials, { apiKey: 'sk-real-0123456789', bearer: 'token-real-0123456789' })
  })

  it('gives no placeholder when there is no credential (the CLI reports it is not logged in)', () => {
    const { inside, route } = splitEnv({ PATH: '/bin', ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000' })
    assert.equal(inside['ANTHROPIC_API_KEY'], undefined)
    assert.equal(inside['ANTHROPIC_BASE_URL'], `http://127.0.0.1:${MODEL_PORT}`)
    assert.equal(route?.upstream.href, 'http://127.0.0.1:4000/')
    assert.deepEqual(route?.credentials, {})
  })

  it('sets up no model gateway for a plain command, only the egress proxy', () => {
    const { inside, route } = splitEnv({ PATH: '/bin', HOME: '/h' })
    assert.equal(route, undefined)
    assert.equal(inside['ANTHROPIC_BASE_URL'], undefined)
    assert.equal(inside['HTTPS_PROXY'], `http://127.0.0.1:${PROXY_PORT}`)
  })

  it('refuses Bedrock and Vertex, whose credentials it cannot keep outside', () => {
    assert.throws(() => splitEnv({ CLAUDE_CODE_USE_BEDROCK: '1' }), { code: 'SANDBOX_UNSUPPORTED' })
    assert.throws(() => splitEnv({ CLAUDE_CODE_USE_VERTEX: 'true' }), { code: 'SANDBOX_UNSUPPORTED' })
  })
})
