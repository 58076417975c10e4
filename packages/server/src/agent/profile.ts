// What an agent profile changes in the CLI it starts. `lean` carries the switches measured to
// cut the CLI's own work per warm turn (../docs/benchmarks.md); the session keeps its transcript,
// so resuming works as in `default`.
import type { AgentProfile } from '@claude-agent/protocol'

export interface ProfileSwitches {
  /** Added to the CLI's environment (a session's own `env` wins). */
  env: Record<string, string>
  /** The CLI's tool list (`--tools`); undefined: Claude Code's full set. */
  tools: string[] | undefined
  /** Whether the CLI streams token events (partial messages) at all. */
  partialMessages: boolean
}

/** `CLAUDE_CODE_SIMPLE` keeps Bash, Edit and Read only; the list says so to the SDK as well. */
export const LEAN_TOOLS = ['Bash', 'Edit', 'Read']

const SWITCHES: Record<AgentProfile, ProfileSwitches> = {
  default: { env: {}, tools: undefined, partialMessages: true },
  lean: {
    env: {
      // --bare: no CLAUDE.md discovery, hooks, plugins or background prefetches; 3 tools.
      CLAUDE_CODE_SIMPLE: '1',
      // No system reminders (attachments) rebuilt into every request.
      CLAUDE_CODE_DISABLE_ATTACHMENTS: '1',
    },
    tools: LEAN_TOOLS,
    partialMessages: false,
  },
}

export function profileSwitches(profile: AgentProfile | undefined): ProfileSwitches {
  return SWITCHES[profile ?? 'default']
}
