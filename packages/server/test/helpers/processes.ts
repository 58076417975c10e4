// Which processes on this machine belong to a server's sessions: those whose environment
// names a state directory under `sessionsDir` (the CLI, or the bwrap process around it).
import { isAlive } from '../../src/process-alive.js'
import assert from 'node:assert/strict'
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

export interface Observed {
  argv: string[]
  env: Record<string, string>
}

/** The session's processes (bwrap, the launcher, the CLI): argv and environment, from /proc. */
function sessionProcesses(stateDir: string): Observed[] {
  const marker = `CLAUDE_CONFIG_DIR=${stateDir}/`
  const found: Observed[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
      if (!environ.some((v) => v.startsWith(marker))) continue
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')
      found.push({
        argv,
        env: Object.fromEntries(environ.filter(Boolean).map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])),
      })
    } catch {
      // gone meanwhile
    }
  }
  return found
}

/** The CLI itself: the process whose argv carries the SDK's stream-json flags and no bwrap. */
export function cliProcess(stateDir: string): Observed {
  const cli = sessionProcesses(stateDir).find((p) => p.argv.includes('--output-format') && !p.argv[0]!.endsWith('bwrap'))
  assert.ok(cli, `no CLI process found for ${stateDir}`)
  return cli
}

/** Whether process `pid` is gone within `ms` (polled). */
export async function goneWithin(pid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !isAlive(pid)
}
