// A server killed without a chance to stop its agents leaves their CLI processes running
// (and possibly still running tools). On start-up we find them by the session state
// directory in their environment and kill them. Linux only: elsewhere there is no /proc.
import { readFileSync, readdirSync } from 'node:fs'

/** Kills processes whose CLAUDE_CONFIG_DIR lies under `sessionsDir`; returns their pids. */
export function killOrphanedAgents(sessionsDir: string): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const marker = `CLAUDE_CONFIG_DIR=${sessionsDir}/`
  const killed: number[] = []
  for (const entry of entries) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    let environ: string
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
    } catch {
      continue // gone, or not ours to read
    }
    if (!environ.split('\0').some((v) => v.startsWith(marker))) continue
    try {
      process.kill(pid, 'SIGKILL')
      killed.push(pid)
    } catch {
      // exited meanwhile
    }
  }
  return killed
}
