// Claude Code's own settings reach the CLI in its real sandbox: from the server's environment
// (CLAUDE_CODE_*, DISABLE_*, OTEL_*, MAX_THINKING_TOKENS) and from a session's `env`; a
// credential or endpoint variable is refused with a typed error, and never reaches the CLI.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pickAgentVars } from '../src/credentials.js'
import { settingsFromEnv } from '../src/settings.js'
import { api } from './helpers/http.js'
import { cliProcess } from './helpers/processes.js'
import { TEST_API_KEY, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

/** A script: the model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

const ECHO = 'echo "server=$CLAUDE_CODE_CAS_SERVER_MARK session=$DISABLE_CAS_SESSION_MARK think=$MAX_THINKING_TOKENS"'

describe('Claude Code settings reach the CLI', () => {
  let stack: Stack

  before(async () => {
    stack = await startStack({
      scenario: { scripts: [runBash('show env', ECHO)] },
      // The server's own rule picks them out of its environment, as main.ts does.
      agentVars: (modelUrl) =>
        pickAgentVars({
          ANTHROPIC_BASE_URL: modelUrl,
          ANTHROPIC_API_KEY: TEST_API_KEY,
          CLAUDE_CODE_MAX_RETRIES: '0',
          CLAUDE_CODE_CAS_SERVER_MARK: 'from-server',
          OTEL_CAS_MARK: 'otel-on',
          HOME_CAS_UNRELATED: 'not-a-setting',
        }),
    })
  })
  after(() => stack?.close())

  it('passes Claude Code settings from the server environment, not other variables', () => {
    const picked = pickAgentVars({
      CLAUDE_CODE_SIMPLE: '1',
      DISABLE_TELEMETRY: '1',
      MAX_THINKING_TOKENS: '0',
      OTEL_X: 'y',
      FOO: 'bar',
      SECRET: 's',
    })
    assert.deepEqual(picked, { CLAUDE_CODE_SIMPLE: '1', DISABLE_TELEMETRY: '1', MAX_THINKING_TOKENS: '0', OTEL_X: 'y' })
    assert.equal(pickAgentVars({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=x' })['OTEL_EXPORTER_OTLP_HEADERS'], undefined)
  })

  it("a session's env reaches the CLI's environment inside the sandbox, beside the server's", async () => {
    const created = await api(stack.url, 'POST', '/sessions', {
      id: 'env-ok',
      config: { permissionMode: 'bypassPermissions', env: { DISABLE_CAS_SESSION_MARK: 'from-session', MAX_THINKING_TOKENS: '1024' } },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body['session']['config']['env'], { DISABLE_CAS_SESSION_MARK: 'from-session', MAX_THINKING_TOKENS: '1024' })
    const probe = await WsProbe.connect(`${stack.wsUrl.replace(/\/ws$/, '')}/sessions/env-ok/ws`)
    try {
      probe.prompt('show env')
      const result = sdkData(await probe.result())
      assert.equal(result['is_error'], false, JSON.stringify(result))
      assert.match(result['result'] as string, /server=from-server session=from-session think=1024/)
      // The CLI keeps OTEL_* from its tools' shells: read its own environment.
      assert.equal(cliProcess(stack.server.sessions.stateDir('env-ok')).env['OTEL_CAS_MARK'], 'otel-on')
    } finally {
      probe.close()
    }
  })

  for (const name of [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'CLAUDE_CODE_USE_BEDROCK',
    'AWS_SECRET_ACCESS_KEY',
    'OTEL_EXPORTER_OTLP_HEADERS',
    // The operator's telemetry: a member could send it (with the operator's collector headers)
    // to a host of their own, label it as another tenant's, or switch it off.
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_RESOURCE_ATTRIBUTES',
    'OTEL_METRICS_EXPORTER',
    'CLAUDE_CODE_ENABLE_TELEMETRY',
    'CLAUDE_CODE_CLIENT_KEY',
    'CLAUDE_CODE_TMPDIR',
    'PATH',
    'LD_PRELOAD',
    'claude_code_simple',
  ]) {
    it(`refuses ${name} in a session's env, naming it`, async () => {
      const refused = await api(stack.url, 'POST', '/sessions', { config: { env: { [name]: 'sk-ant-bogus' } } })
      assert.equal(refused.status, 400)
      assert.equal(refused.body['code'], 'INVALID_REQUEST')
      const issue = (refused.body['data']['issues'] as Array<{ path: string; message: string }>).find(
        (i) => i.path === `config.env.${name}`,
      )
      assert.ok(issue, JSON.stringify(refused.body))
      assert.ok(!JSON.stringify(refused.body).includes('sk-ant-bogus'), 'the value is not echoed')
    })
  }

  it('refuses a credential in the original protocol config too (INVALID_CONFIG), keeping the old config', async () => {
    const refused = await api(stack.url, 'POST', '/config', { env: { ANTHROPIC_API_KEY: 'sk-ant-bogus' } })
    assert.equal(refused.status, 400)
    assert.equal(refused.body['code'], 'INVALID_CONFIG')
    assert.match(refused.body['error'] as string, /ANTHROPIC_API_KEY/)
    const config = await api(stack.url, 'GET', '/config')
    assert.equal(config.body['env'], undefined)
  })

  it('refuses a value with a NUL byte', async () => {
    const refused = await api(stack.url, 'POST', '/sessions', { config: { env: { CLAUDE_CODE_X: 'a\0b' } } })
    assert.equal(refused.status, 400)
    assert.equal(refused.body['code'], 'INVALID_REQUEST')
  })

  it('AGENT_PROFILE picks the server-wide profile; an unknown one is a settings error', () => {
    assert.equal(settingsFromEnv({ DATA_DIR: '/tmp/x' }).agentProfile, 'default')
    assert.equal(settingsFromEnv({ DATA_DIR: '/tmp/x', AGENT_PROFILE: 'lean' }).agentProfile, 'lean')
    assert.throws(() => settingsFromEnv({ DATA_DIR: '/tmp/x', AGENT_PROFILE: 'fast' }), /AGENT_PROFILE must be one of default, lean/)
  })
})
