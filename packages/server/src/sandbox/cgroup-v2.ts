// cgroup v2: one unified tree. A parent must enable the controllers for its children
// (cgroup.subtree_control), and only leaf groups hold processes.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { INSIDE_CGROUP_ROOT, type CgroupBackend, type CgroupView, type LimitHits } from './cgroups.js'
import { childGroups, readCounter, removeGroup, writeControl } from './cgroup-files.js'
import type { ResolvedLimits } from './limits.js'

export class CgroupV2 implements CgroupBackend {
  readonly kind = 'cgroup-v2' as const

  constructor(
    private readonly root: string,
    readonly controllers: readonly string[],
  ) {}

  private dir(path: readonly string[]): string {
    return join(this.root, ...path)
  }

  describe(path: readonly string[]): string {
    return this.dir(path)
  }

  /** Each level from the root down to `path` hands the controllers to its children. */
  prepareParent(path: readonly string[]): void {
    mkdirSync(this.dir(path), { recursive: true })
    const enable = this.controllers.map((c) => `+${c}`).join(' ')
    for (let depth = 0; depth <= path.length; depth++) writeControl(this.dir(path.slice(0, depth)), 'cgroup.subtree_control', enable)
  }

  create(path: readonly string[], limits?: ResolvedLimits): string[] {
    const dir = this.dir(path)
    mkdirSync(dir, { recursive: true })
    if (!limits) return [join(dir, 'cgroup.procs')]
    writeControl(dir, 'memory.max', limits.memoryBytes)
    // Without swap the limit is the limit (absent when the kernel has no swap accounting).
    if (existsSync(join(dir, 'memory.swap.max'))) writeControl(dir, 'memory.swap.max', 0)
    writeControl(dir, 'pids.max', limits.pids)
    if (this.controllers.includes('cpu')) writeControl(dir, 'cpu.weight', limits.cpuWeight)
    return [join(dir, 'cgroup.procs')]
  }

  views(path: readonly string[]): CgroupView[] {
    return [{ source: this.dir(path), target: INSIDE_CGROUP_ROOT }]
  }

  hits(path: readonly string[]): LimitHits {
    const dir = this.dir(path)
    return { memory: readCounter(dir, 'memory.events', 'oom_kill'), pids: readCounter(dir, 'pids.events', 'max') }
  }

  children(path: readonly string[]): string[] {
    return childGroups(this.dir(path))
  }

  remove(path: readonly string[]): boolean {
    return removeGroup(this.dir(path))
  }
}
