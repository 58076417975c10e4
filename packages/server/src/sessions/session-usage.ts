// What a session's info says about its limits: those in force (its config's, else the
// server's), how they are enforced, and how much of its directory it uses.
import type { SessionConfig, SessionUsage } from '@claude-agent/protocol'
import type { UsageCache } from '../files/usage.js'
import { resolveLimits } from '../sandbox/limits.js'
import type { Sandbox } from '../sandbox/sandbox.js'

export function sessionUsage(sandbox: Sandbox, usage: UsageCache, config: SessionConfig, dir: string): SessionUsage {
  return {
    ...resolveLimits(config, sandbox.limits.defaults),
    workspaceUsedBytes: usage.get(dir),
    enforcement: sandbox.limits.enforcement,
  }
}
