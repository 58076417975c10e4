// cgroup v1: one tree per controller (memory, pids, cpu), a group made in each.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { INSIDE_CGROUP_ROOT, type CgroupBackend, type CgroupView, type LimitHits } from './cgroups.js'
import { childGroups, readCounter, removeGroup, writeControl } from './cgroup-files.js'
import type { ResolvedLimits } from './limits.js'

/** cpu.shares for a v2-style weight: 100 (the default weight) is 1024 (the default shares). */
export const sharesForWeight = (weight: number) => Math.max(2, Math.round((weight * 1024) / 100))

export class CgroupV1 implements CgroupBackend {
  readonly kind = 'cgroup-v1' as const

  constructor(
    private readonly root: string,
    readonly controllers: readonly string[],
  ) {}

  private dir(controller: string, path: readonly string[]): string {
    return join(this.root, controller, ...path)
  }

  describe(path: readonly string[]): string {
    return join(this.root, `{${this.controllers.join(',')}}`, ...path)
  }

  prepareParent(path: readonly string[]): void {
    for (const c of this.controllers) mkdirSync(this.dir(c, path), { recursive: true })
  }

  create(path: readonly string[], limits?: ResolvedLimits): string[] {
    for (const c of this.controllers) mkdirSync(this.dir(c, path), { recursive: true })
    if (limits) this.writeLimits(path, limits)
    return this.controllers.map((c) => join(this.dir(c, path), 'cgroup.procs'))
  }

  private writeLimits(path: readonly string[], limits: ResolvedLimits): void {
    this.writeMemory(this.dir('memory', path), limits.memoryBytes)
    writeControl(this.dir('pids', path), 'pids.max', limits.pids)
    if (this.controllers.includes('cpu')) writeControl(this.dir('cpu', path), 'cpu.shares', sharesForWeight(limits.cpuWeight))
  }

  /** memory+swap must stay >= memory: which is written first depends on the direction. */
  private writeMemory(dir: string, bytes: number): void {
    const memsw = existsSync(join(dir, 'memory.memsw.limit_in_bytes'))
    try {
      writeControl(dir, 'memory.limit_in_bytes', bytes)
      if (memsw) writeControl(dir, 'memory.memsw.limit_in_bytes', bytes)
    } catch (err) {
      if (!memsw || (err as NodeJS.ErrnoException).code !== 'EINVAL') throw err
      writeControl(dir, 'memory.memsw.limit_in_bytes', bytes)
      writeControl(dir, 'memory.limit_in_bytes', bytes)
    }
  }

  /** Only the memory controller's directory: the one runtimes size their heaps from. */
  views(path: readonly string[]): CgroupView[] {
    return [{ source: this.dir('memory', path), target: join(INSIDE_CGROUP_ROOT, 'memory') }]
  }

  hits(path: readonly string[]): LimitHits {
    return {
      memory: readCounter(this.dir('memory', path), 'memory.oom_control', 'oom_kill'),
      pids: readCounter(this.dir('pids', path), 'pids.events', 'max'),
    }
  }

  children(path: readonly string[]): string[] {
    return childGroups(this.dir('memory', path))
  }

  remove(path: readonly string[]): boolean {
    return this.controllers.map((c) => removeGroup(this.dir(c, path))).every(Boolean)
  }
}
