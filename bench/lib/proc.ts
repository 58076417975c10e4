// Process memory straight from /proc (Linux), for processes the bench did not start itself
// (the CLI children of the server) as well as those it did.
import { readFileSync, readdirSync } from 'node:fs'

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

/** The pid and its descendants (from /proc/<pid>/stat parent links). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // Fields after the `(comm)`, which may itself hold spaces: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), pid])
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = []
  const walk = (pid: number) => {
    tree.push(pid)
    for (const child of children.get(pid) ?? []) walk(child)
  }
  walk(root)
  return tree
}

/** A /proc status field summed over a process and its descendants: with the sandbox, a
 * session's pid is bubblewrap's, and the CLI (and the sandbox's launcher) run below it. */
export function treeKb(root: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number | undefined {
  const values = processTree(root).map((pid) => statusKb(pid, field) ?? 0)
  return statusKb(root, field) === undefined ? undefined : values.reduce((a, b) => a + b, 0)
}
