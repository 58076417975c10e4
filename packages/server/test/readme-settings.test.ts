// The README's configuration section names every variable the server's settings read, so a
// setting added in the source without a word in the README fails here. The names are the
// ones settingsFromEnv really asks for: it runs on an environment that records each read.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { settingsFromEnv } from '../src/settings.js'

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8')

/** The README from its "## Configuration" heading to the next one. */
function configurationSection(): string {
  const start = readme.indexOf('\n## Configuration')
  assert.ok(start >= 0, 'README.md has a "## Configuration" section')
  const end = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, end < 0 ? undefined : end)
}

/** Every variable name settingsFromEnv reads from `env`. */
function namesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>()
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name)
      return target[name as string]
    },
  })
  settingsFromEnv(recording)
  return read
}

// Each optional group turned on, so that the names it reads only when on are read too.
const EVERYTHING_ON: Record<string, string> = {
  DATA_DIR: '/srv/cas',
  DATABASE_URL: 'postgres://user:password@db:5432/claude_agent',
  OIDC_ISSUER: 'https://issuer.example.com',
  OIDC_AUDIENCE: 'claude-agent',
  OIDC_JWKS_URL: 'https://issuer.example.com/jwks',
  AGENT_OTEL_ENDPOINT: 'http://collector.example.com:4318',
  METRICS_PORT: '9464',
  LOG_FORMAT: 'json',
  WEBHOOK_URL: 'https://hooks.example.com/claude',
  WEBHOOK_SECRET: 'a-secret-of-sixteen-characters',
}

describe("README.md's configuration section", () => {
  it('names every variable the server reads', () => {
    const names = new Set([...namesRead({}), ...namesRead(EVERYTHING_ON)])
    // What the agent gets passed through (credentials, Claude Code's own settings) is listed
    // by rule in the README, not by name: only the server's own settings are checked here.
    const settings = [...names].filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name))
    assert.ok(settings.length > 50, `the recording saw the settings (${settings.length})`)
    const section = configurationSection()
    const missing = settings.filter((name) => !new RegExp(`\\b${name}\\b`).test(section))
    assert.deepEqual(missing, [], 'variables missing from the README')
  })
})
