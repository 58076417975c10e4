// LOG_FORMAT, METRICS_PORT and AGENT_OTEL_*: taken when valid, refused with a message naming the
// variable when not.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { agentOtelAllowEntries, agentOtelVars } from '../src/agent/otel-env.js'
import { SettingsError, settingsFromEnv } from '../src/settings.js'

const from = (env: Record<string, string>) => settingsFromEnv({ DATA_DIR: '/tmp/cas-settings-test', ...env })

describe('observability settings', () => {
  it('takes valid values', () => {
    const s = from({
      LOG_FORMAT: 'json',
      METRICS_PORT: '9464',
      AGENT_OTEL_ENDPOINT: 'https://otel.example.com:4318',
      AGENT_OTEL_PROTOCOL: 'grpc',
      AGENT_OTEL_HEADERS: 'authorization=Bearer abcdefgh12345',
    })
    assert.equal(s.logFormat, 'json')
    assert.equal(s.metricsPort, 9464)
    assert.deepEqual(agentOtelAllowEntries(s.agentOtel), ['otel.example.com:4318'])
    const vars = agentOtelVars(s.agentOtel)
    assert.equal(vars['OTEL_EXPORTER_OTLP_PROTOCOL'], 'grpc')
    assert.equal(vars['OTEL_EXPORTER_OTLP_HEADERS'], 'authorization=Bearer abcdefgh12345')
    assert.deepEqual(agentOtelVars(from({}).agentOtel), {}, 'off unless asked for')
  })

  for (const [name, value] of [
    ['LOG_FORMAT', 'xml'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', 'abc'],
    ['AGENT_OTEL_ENDPOINT', 'otel.example.com:4318'],
    ['AGENT_OTEL_ENDPOINT', 'ftp://otel.example.com'],
    ['AGENT_OTEL_ENDPOINT', 'http://user:pw@otel.example.com'],
    ['AGENT_OTEL_PROTOCOL', 'udp'],
    ['AGENT_OTEL_EXPORT_INTERVAL_MS', '5'],
    // Past a timer's range (README: every _MS setting is at most 2147483647); and not digits.
    ['AGENT_OTEL_EXPORT_INTERVAL_MS', '2147483648'],
    ['AGENT_OTEL_EXPORT_INTERVAL_MS', '99999999999999999999'],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      const env: Record<string, string> = { [name]: value }
      if (name !== 'AGENT_OTEL_ENDPOINT' && name.startsWith('AGENT_OTEL')) env['AGENT_OTEL_ENDPOINT'] = 'http://127.0.0.1:4318'
      assert.throws(
        () => from(env),
        (err: unknown) => err instanceof SettingsError && err.message.includes(name),
      )
    })
  }
})
