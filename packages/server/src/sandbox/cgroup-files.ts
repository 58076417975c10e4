// Reading and writing cgroup control files, and removing a group, the same way for v1 and v2:
// this is our code's boundary with the kernel, kept small so that it can be tested against a
// directory laid out like a cgroup file system.
import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes one control file (the kernel takes the value whole, or refuses it with an errno). */
export function writeControl(dir: string, file: string, value: string | number): void {
  writeFileSync(join(dir, file), String(value))
}

/** The number after `key` in a flat keyed file such as `pids.events` (`max 3`); 0 when absent. */
export function readCounter(dir: string, file: string, key: string): number {
  let text: string
  try {
    text = readFileSync(join(dir, file), 'utf8')
  } catch {
    return 0
  }
  const line = text.split('\n').find((l) => l.startsWith(`${key} `))
  return line ? Number(line.slice(key.length + 1)) || 0 : 0
}

/** The pids in a group (its `cgroup.procs`); none when it is gone. */
export function groupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** The names of a group's child groups. */
export function childGroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
  } catch {
    return []
  }
}

/** Kills every process left in a group and its children, then removes them. True when the
 * group is gone; false when a process is still exiting (try again a moment later). */
export function removeGroup(dir: string): boolean {
  if (!existsSync(dir)) return true
  for (const child of childGroups(dir)) removeGroup(join(dir, child))
  for (const pid of groupPids(dir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  try {
    rmdirSync(dir)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return true
    if (code === 'EBUSY' || code === 'ENOTEMPTY') return false
    throw err
  }
}
