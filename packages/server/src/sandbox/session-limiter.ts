// Puts each session's sandbox under its limits: one cgroup per session (its agent and its
// `exec` commands together), joined by the wrapper before bwrap runs anything, removed when
// the session's last process has ended; and rlimits per process as the floor where no cgroup
// can be made. Stale groups a killed server left are removed at start.
import { isAlive } from '../process-alive.js'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../logger.js'
import { detectCgroups, type CgroupBackend, type CgroupView, type LimitHits } from './cgroups.js'
import { formatBytes, type ResolvedLimits } from './limits.js'
import type { CommandLine } from './sandbox.js'

/** Which limit stopped something in a session's sandbox. */
export interface LimitHit {
  limit: 'memory' | 'pids'
  /** For the session's log, e.g. `the memory limit (512 MiB) was reached: a process was killed` */
  message: string
}

export type Enforcement = 'cgroup-v2' | 'cgroup-v1' | 'rlimit'

/** What starts in a session's group: its agent (the CLI, whose tools join `tools`), or a command. */
export type Occupant = 'agent' | 'command'

/** A process about to start under a session's limits. */
export interface Entered {
  /** The command line that joins the group and sets the rlimits, then runs `command`. */
  wrap(command: string, args: readonly string[]): CommandLine
  /** For an agent: the files its tools join the tools group through (to bind writable inside). */
  readonly toolJoinFiles: readonly string[]
  /** The session's tools group (its limits), to bind read-only where a runtime inside reads its
   * memory limit; none without a cgroup. Nothing of another group, nor the group's name. */
  readonly limitViews: readonly CgroupView[]
  /** Call once the process has exited: the last one out removes the group. */
  release(): void
}

const PARENT = 'claude-agent'
/** What the agent itself (CLI, launcher, bwrap) may use beyond its tools' limits: a flood or a
 * hog in a tool stops at the limit without taking the CLI down. */
export const AGENT_RESERVE = { memoryBytes: 512 * 1024 ** 2, pids: 128 }
const POLL_MS = 500
/** Runs on the host, before bwrap: the group is joined before anything else can fork. */
const JOIN_SCRIPT = [
  'while [ "$1" != -- ]; do echo $$ > "$1" || { echo "sandbox limits: cannot join the cgroup $1" >&2; exit 126; }; shift; done; shift',
  '{ [ "$1" = - ] || ulimit -f "$1"; } && { [ "$2" = - ] || ulimit -d "$2"; } || { echo "sandbox limits: cannot set rlimits" >&2; exit 126; }; shift 2',
  'exec "$@"',
].join('\n')

interface Group {
  path: string[]
  users: number
  limits: ResolvedLimits
  seen: LimitHits
  /** Limits that stopped something at the last poll: a flood is one notice, not one a poll. */
  hitting: Set<LimitHit['limit']>
  timer: NodeJS.Timeout
  onHit: ((hit: LimitHit) => void) | undefined
}

export interface SessionLimiterOptions {
  logger: Logger
  /** Where the cgroup file systems are mounted. @default /sys/fs/cgroup */
  cgroupRoot?: string
}

export class SessionLimiter {
  private readonly groups = new Map<string, Group>()

  private constructor(
    private readonly backend: CgroupBackend | undefined,
    private readonly logger: Logger,
    /** This server's own subtree: `claude-agent/<pid>-<random>` (several servers may share a host). */
    private readonly instance: readonly string[],
  ) {}

  /** Detects the cgroups, removes stale groups and says in one log line what is enforced. */
  static create(options: SessionLimiterOptions, defaults: ResolvedLimits): SessionLimiter {
    const found = detectCgroups(options.cgroupRoot)
    const instance = [PARENT, `${process.pid}-${randomBytes(4).toString('hex')}`]
    let backend: CgroupBackend | undefined
    let why: string
    if ('unusable' in found) why = found.unusable
    else {
      try {
        removeStale(found)
        found.prepareParent(instance)
        backend = found
        why = ''
      } catch (err) {
        why = `cannot create cgroups there (${(err as Error).message})`
      }
    }
    const limiter = new SessionLimiter(backend, options.logger, instance)
    if (backend) {
      options.logger.info(
        `limits per session: ${backend.kind} (${backend.controllers.join(', ')}) at ${backend.describe([PARENT])}; defaults: memory ${formatBytes(defaults.memoryBytes)}, ${defaults.pids} processes` +
          `${backend.controllers.includes('cpu') ? `, CPU weight ${defaults.cpuWeight}` : ', CPU share not enforced (no cpu controller)'}, file size ${formatBytes(defaults.workspaceBytes)}`,
      )
    } else {
      options.logger.warn(
        `limits per session: no cgroup (${why}); only rlimits per process: memory (RLIMIT_DATA) ${formatBytes(defaults.memoryBytes)}, file size (RLIMIT_FSIZE) ${formatBytes(defaults.workspaceBytes)}; ` +
          'process count and CPU share are NOT enforced (RLIMIT_NPROC counts every process of the user, not of a session)',
      )
    }
    return limiter
  }

  get enforcement(): Enforcement {
    return this.backend?.kind ?? 'rlimit'
  }

  /** Puts the next process of `sessionId` under `limits` (the session's group, created if new). */
  enter(sessionId: string, limits: ResolvedLimits, occupant: Occupant, onHit?: (hit: LimitHit) => void): Entered {
    const groups = this.backend ? this.join(sessionId, limits, onHit) : { agent: [], tools: [], views: [] }
    const procs = occupant === 'agent' ? groups.agent : groups.tools
    const rlimits = [String(Math.ceil(limits.workspaceBytes / 512)), this.backend ? '-' : String(Math.ceil(limits.memoryBytes / 1024))]
    let released = false
    return {
      toolJoinFiles: occupant === 'agent' ? groups.tools : [],
      limitViews: groups.views,
      wrap: (command, args) => ({
        command: '/bin/sh',
        args: ['-c', JOIN_SCRIPT, 'sandbox-limits', ...procs, '--', ...rlimits, command, ...args],
      }),
      release: () => {
        if (released || !this.backend) return
        released = true
        this.leave(sessionId)
      },
    }
  }

  /** The session's group (a random name; limits plus the agent's reserve) with two leaves: `agent`
   * (the CLI) and `tools` (the session's limits: its tools and commands). */
  private join(
    sessionId: string,
    limits: ResolvedLimits,
    onHit: ((hit: LimitHit) => void) | undefined,
  ): { agent: string[]; tools: string[]; views: CgroupView[] } {
    const backend = this.backend!
    let group = this.groups.get(sessionId)
    // Named at random, not after the session: a group's name is seen in the mounts of its sandbox.
    const path = group?.path ?? [...this.instance, randomBytes(8).toString('hex')]
    backend.create(path, { ...limits, memoryBytes: limits.memoryBytes + AGENT_RESERVE.memoryBytes, pids: limits.pids + AGENT_RESERVE.pids })
    backend.prepareParent(path)
    const tools = [...path, 'tools']
    const procs = { agent: backend.create([...path, 'agent']), tools: backend.create(tools, limits), views: backend.views(tools) }
    if (!group) {
      const timer = setInterval(() => this.poll(sessionId), POLL_MS).unref()
      group = { path, users: 0, limits, seen: { memory: 0, pids: 0 }, hitting: new Set(), timer, onHit }
      this.groups.set(sessionId, group)
    }
    group.users++
    group.limits = limits
    if (onHit) group.onHit = onHit
    return procs
  }

  private poll(sessionId: string): void {
    const group = this.groups.get(sessionId)
    if (!group || !this.backend) return
    const now = this.backend.hits([...group.path, 'tools'])
    const whole = this.backend.hits(group.path)
    now.memory += whole.memory
    now.pids += whole.pids
    const hits: LimitHit[] = []
    const rose = new Set<LimitHit['limit']>()
    if (now.memory > group.seen.memory) rose.add('memory')
    if (now.pids > group.seen.pids) rose.add('pids')
    if (rose.has('memory') && !group.hitting.has('memory'))
      hits.push({
        limit: 'memory',
        message: `the session's memory limit (${formatBytes(group.limits.memoryBytes)}) was reached: the kernel killed a process in its sandbox`,
      })
    if (rose.has('pids') && !group.hitting.has('pids'))
      hits.push({
        limit: 'pids',
        message: `the session's process limit (${group.limits.pids}) was reached: its sandbox could not start more processes`,
      })
    group.seen = now
    group.hitting = rose
    for (const hit of hits) {
      this.logger.warn(hit.message, { sessionId })
      group.onHit?.(hit)
    }
  }

  private leave(sessionId: string): void {
    const group = this.groups.get(sessionId)
    if (!group || --group.users > 0) return
    this.poll(sessionId)
    clearInterval(group.timer)
    this.groups.delete(sessionId)
    void this.removeSoon(group.path)
  }

  /** A process that has just exited may be listed in the group for a moment longer. */
  private async removeSoon(path: string[]): Promise<void> {
    // A session re-entered meanwhile has a group of its own (a new name): this one is only removed.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        if (this.backend!.remove(path)) return
      } catch (err) {
        this.logger.warn(`cannot remove the cgroup ${this.backend!.describe(path)}: ${(err as Error).message}`)
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    this.logger.warn(`the cgroup ${this.backend!.describe(path)} still holds processes; it is removed at the next start`)
  }

  /** Removes every group of this server (its processes are killed). */
  close(): void {
    if (!this.backend) return
    for (const group of this.groups.values()) clearInterval(group.timer)
    this.groups.clear()
    removeAll(this.backend, this.instance)
  }
}

/** Kills and removes a group and its children, retrying while processes exit (bounded). */
function removeAll(backend: CgroupBackend, path: readonly string[]): void {
  const until = Date.now() + 2_000
  while (!backend.remove(path) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
}

/** The groups of servers that are gone (killed, crashed): their processes killed, groups removed. */
function removeStale(backend: CgroupBackend): void {
  for (const name of backend.children([PARENT])) {
    // This process's own (another server in it) and a live server's are not stale.
    const pid = Number(/^(\d+)-/.exec(name)?.[1])
    if (pid === process.pid || (pid && isAlive(pid))) continue
    removeAll(backend, [PARENT, name])
  }
}
