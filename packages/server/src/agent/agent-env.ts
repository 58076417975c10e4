// The CLI's whole environment. The SDK replaces the child's environment with what we pass,
// so PATH is ours to give; HOME, CLAUDE_CONFIG_DIR and TMPDIR point into the session's own
// state directory so nothing lands in the server's home or a shared /tmp. Credentials come
// last, so a setting can never replace one.
import { join } from 'node:path'
import { sessionSettingProblem, type QueryConfig } from '@claude-agent/protocol'
import { profileSwitches } from './profile.js'
import { ensureStateDirs } from './state-dirs.js'

export interface AgentEnvInput {
  /** Endpoint and credentials from the server's settings. */
  agentVars: Record<string, string>
  /** The scripted model's URL in offline demo mode. */
  demoModelUrl?: string | undefined
  config: QueryConfig
  stateDir: string
}

/** Any non-empty value: the demo model checks none, the CLI refuses to run without one. */
const DEMO_KEY = 'offline-demo-key'

export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const home = join(input.stateDir, 'home')
  const configDir = join(input.stateDir, 'claude')
  const tmp = join(input.stateDir, 'tmp')
  ensureStateDirs([home, configDir, tmp])

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    HOME: home,
    CLAUDE_CONFIG_DIR: configDir,
    TMPDIR: tmp,
    CLAUDE_CODE_TMPDIR: tmp,
    // Without this the CLI also dials the public API host for telemetry and updates.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...input.agentVars,
    // The profile's switches, then the session's own settings (both checked: no credential).
    ...profileSwitches(input.config.profile).env,
    // Checked when posted; again here for a config stored before a rule was added (OTEL_*).
    ...Object.fromEntries(Object.entries(input.config.env ?? {}).filter(([name]) => sessionSettingProblem(name) === undefined)),
  }
  if (input.config.anthropicApiKey) {
    env['ANTHROPIC_API_KEY'] = input.config.anthropicApiKey
  } else if (input.demoModelUrl) {
    env['ANTHROPIC_BASE_URL'] = input.demoModelUrl
    env['ANTHROPIC_API_KEY'] = DEMO_KEY
  }
  // As root the CLI refuses bypass mode unless told it runs in a sandbox.
  if (input.config.permissionMode === 'bypassPermissions' && process.getuid?.() === 0) {
    env['IS_SANDBOX'] = '1'
  }
  return env
}
