// Which processes on this machine belong to a server's sessions: those whose environment
// names a state directory under `sessionsDir` (the CLI, or the bwrap process around it).
import { readFileSync, readdirSync } from 'node:fs'

export function agentProcesses(sessionsDir: string): number[] {
  const marker = `CLAUDE_CONFIG_DIR=${sessionsDir}/`
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => {
      if (!Number.isInteger(pid)) return false
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1')
          .split('\0')
          .some((v) => v.startsWith(marker))
      } catch {
        return false
      }
    })
}
