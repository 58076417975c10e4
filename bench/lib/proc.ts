// Process memory straight from /proc (Linux), for processes the bench did not start itself
// (the CLI children of the server) as well as those it did.
import { readFileSync } from 'node:fs'

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM, ...), or undefined if gone. */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/** MemAvailable of the machine in MiB. */
export function memAvailableMb(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))
  return match ? Number(match[1]) / 1024 : Number.NaN
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until none of `pids` runs any more (at most `timeoutMs`). */
export async function waitGone(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
}
