// Which cgroup hierarchy this host offers for the sessions' sandboxes, behind one interface:
// v2 (one unified tree with the memory and pids controllers) or v1 (one tree per controller).
// A group is named by a path of names under the tree(s), e.g. ['claude-agent', '<server>', '<session>'].
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CgroupV1 } from './cgroup-v1.js'
import { CgroupV2 } from './cgroup-v2.js'
import type { ResolvedLimits } from './limits.js'

/** How often each limit has stopped something in a group, as the kernel counts it. */
export interface LimitHits {
  /** Processes the OOM killer killed at the memory limit. */
  memory: number
  /** Forks refused at the process limit. */
  pids: number
}

/** A host cgroup directory and where the sandbox shows it. */
export interface CgroupView {
  source: string
  target: string
}

/** Where a sandboxed process looks for its cgroup files, whatever the host's root is. */
export const INSIDE_CGROUP_ROOT = '/sys/fs/cgroup'

export interface CgroupBackend {
  readonly kind: 'cgroup-v1' | 'cgroup-v2'
  /** The controllers it sets: memory and pids always, cpu where the host has it. */
  readonly controllers: readonly string[]
  /** Where its groups live, for log lines (e.g. `/sys/fs/cgroup/{memory,pids,cpu}/claude-agent`). */
  describe(path: readonly string[]): string
  /** Creates the parents of a group (enabling controllers where the version needs it). Throws
   * when this process may not (e.g. EACCES, EROFS). */
  prepareParent(path: readonly string[]): void
  /** Creates the group if missing and writes its limits (none: only the parent's apply);
   * returns the files a process joins it through (writing its pid to each). */
  create(path: readonly string[], limits?: ResolvedLimits): string[]
  /** Read-only binds that show a group's memory limit where a runtime inside a sandbox rooted
   * at that group (its cgroup namespace: /proc/self/cgroup says "/") looks for it. */
  views(path: readonly string[]): CgroupView[]
  hits(path: readonly string[]): LimitHits
  /** The child group names under `path`. */
  children(path: readonly string[]): string[]
  /** Kills what is left in the group and removes it; false while a process is still exiting. */
  remove(path: readonly string[]): boolean
}

/** The host's cgroups under `root`, or why none can be used. */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupBackend | { unusable: string } {
  const unified = join(root, 'cgroup.controllers')
  if (existsSync(unified)) {
    const available = readFileSync(unified, 'utf8').trim().split(/\s+/)
    const missing = ['memory', 'pids'].filter((c) => !available.includes(c))
    if (missing.length > 0) return { unusable: `cgroup v2 at ${root} lacks the ${missing.join(' and ')} controller` }
    return new CgroupV2(root, available.includes('cpu') ? ['memory', 'pids', 'cpu'] : ['memory', 'pids'])
  }
  const missing = ['memory', 'pids'].filter((c) => !existsSync(join(root, c, 'cgroup.procs')))
  if (missing.length > 0) return { unusable: `no cgroup v2 at ${root} and no v1 ${missing.join(' or ')} hierarchy` }
  return new CgroupV1(root, existsSync(join(root, 'cpu', 'cpu.shares')) ? ['memory', 'pids', 'cpu'] : ['memory', 'pids'])
}
