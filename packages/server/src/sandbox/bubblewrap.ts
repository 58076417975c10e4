// The default sandbox: every CLI process (and so every tool it runs) in bubblewrap, with a
// read-only view of the host minus hidden paths, its own writable cwd and state directory, a
// private /tmp and a network namespace whose only ways out are two host-side Unix sockets:
// the model gateway (which holds the credential) and the allow-listing egress proxy.
import type { ChildProcess } from 'node:child_process'
import { constants, existsSync, mkdirSync, mkdtempSync, openSync, realpathSync, writeFileSync } from 'node:fs'
import { Server as NetServer } from 'node:net'
import { dirname, isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../logger.js'
import { egressDenied, sandboxFailed } from '../metrics/metrics.js'
import { AllowList } from './allow-list.js'
import { bwrapFeatures, checkBwrap, findBwrap } from './bwrap-detect.js'
import { closeAll, openCheckedDir } from './bound-dir.js'
import { bwrapArgs, isInside, type HiddenPath } from './bwrap-args.js'
import { startEgressProxy } from './egress-proxy.js'
import { hiddenPaths, type HiddenPathsInput } from './hidden-paths.js'
import { createRunDir } from './run-dir.js'
import { DEFAULT_LIMITS, type ResolvedLimits } from './limits.js'
import { startModelGateway, type ModelGateway } from './model-gateway.js'
import type { CommandLine, ModelFailure, Sandbox, SandboxLimits, SandboxRun, SandboxSpec, WrappedCommandLine } from './sandbox.js'
import { SessionLimiter, type Entered } from './session-limiter.js'
import { MODEL_PORT, PROXY_PORT, assertSandboxableCredentials, handedCommandEnv, splitEnv } from './sandbox-env.js'
import { removeTreeSync } from '../remove-tree.js'
import { noSetIdFilter } from './seccomp-filter.js'

/** Where the run's proxy sockets appear inside the sandbox (on its private /run). */
export const INSIDE_SOCKET_DIR = '/run/claude-agent-server'

/** The CLI's CLAUDE_CODE_SHELL_PREFIX, written into the run's directory (the CLI appends the
 * command line as one word): each tool command joins the session's tools cgroup through the
 * files named, bound writable inside, before it runs. So a flood or a hog in a tool stops at
 * the session's limit while the CLI, in its own group with a reserve, goes on. */
const toolShell = (joinFiles: readonly string[]) =>
  [
    '#!/bin/sh',
    ...joinFiles.map((file) => `echo $$ > ${shellQuote(file)} || { echo "sandbox limits: cannot join the tools cgroup" >&2; exit 126; }`),
    'exec /bin/bash -c "$1"',
    '',
  ].join('\n')

/** Runs first inside the sandbox: relays loopback ports to the sockets, then runs the CLI. */
export const LAUNCHER = fileURLToPath(new URL('./launcher.cjs', import.meta.url))
/** The tree the server runs from (the monorepo, or the installed package): visible read-only
 * inside, even where it lies under a hidden directory such as /tmp. */
const SERVER_TREE = (() => {
  const pkg = fileURLToPath(new URL('../..', import.meta.url))
  const repo = join(pkg, '..', '..')
  return realpathSync(existsSync(join(repo, 'packages', 'server')) ? repo : pkg)
})()

/** Where one run's files and sockets are, resolved at prepare(). */
interface RunLayout {
  cwd: string
  workdir: string
  stateDir: string
  socketDir: string
  allow: AllowList
  /** Whether the run has a model gateway (socket `model.sock`). */
  gateway: boolean
  /** The cwd, open (see bound-dir.ts); none with a bwrap without --bind-fd. */
  cwdFd: number | undefined
}

export interface BubblewrapOptions {
  dataDir: string
  logger: Logger
  /** The server's agent variables, checked up front (Bedrock and Vertex cannot be sandboxed). */
  agentVars?: Record<string, string>
  /** Destinations the egress proxy allows. Not the model API by default: the CLI reaches it
   * through the gateway, and a tool's direct connection would pass the budgets and the metering.
   * @default none (only alsoAllow) */
  allowedHosts?: readonly string[]
  /** Destinations allowed besides allowedHosts (the agent's OTLP collector). @default [] */
  alsoAllow?: readonly string[]
  /** More host paths to hide. @default [] */
  hide?: readonly string[]
  /** @default the `bwrap` on PATH */
  bwrapPath?: string
  /** Each session's limits unless its config sets its own. @default DEFAULT_LIMITS */
  limits?: ResolvedLimits
  /** Where the cgroup file systems are (tests point it elsewhere to get the rlimit floor).
   * @default /sys/fs/cgroup */
  cgroupRoot?: string
}

export class BubblewrapSandbox implements Sandbox {
  readonly kind = 'bubblewrap' as const
  private readonly runs = new Set<SandboxRun>()
  private readonly runDir: string
  /** What to hide, resolved again at each start: a path made after the server started (an
   * operator's `.env`, a SANDBOX_HIDE file) is hidden from the sandboxes started after it. */
  private readonly hide: HiddenPathsInput
  private readonly allow: AllowList
  private readonly limiter: SessionLimiter
  readonly limits: SandboxLimits
  /** The seccomp filter's file (seccomp-filter.ts), in the run directory; none on an
   * architecture without a table there. */
  private readonly filter: string | undefined

  /**
   * Checks bwrap and the settings, then sets up the sandbox.
   * @throws SandboxError BWRAP_NOT_FOUND (naming the package), BWRAP_UNUSABLE, SANDBOX_UNSUPPORTED,
   *   SANDBOX_INVALID_SETTING
   */
  static create(options: BubblewrapOptions): BubblewrapSandbox {
    const bwrap = findBwrap(process.env['PATH'], options.bwrapPath)
    checkBwrap(bwrap, noSetIdFilter())
    if (options.agentVars) assertSandboxableCredentials(options.agentVars)
    const { bindFd } = bwrapFeatures(bwrap)
    if (!bindFd) {
      options.logger.warn(
        `bubblewrap (${bwrap}) has no --bind-fd (it came with 0.8): a session's directory is bound by its path, so a link ` +
          'swapped in for it while its sandbox starts would be followed. Upgrade bubblewrap.',
      )
    }
    return new BubblewrapSandbox(bwrap, options, bindFd)
  }

  private constructor(
    readonly bwrap: string,
    private readonly options: BubblewrapOptions,
    /** Whether bwrap mounts from descriptors (bound-dir.ts); else by path, as older ones must. */
    private readonly bindFd: boolean,
  ) {
    this.allow = new AllowList([...(options.allowedHosts ?? []), ...(options.alsoAllow ?? [])])
    mkdirSync(options.dataDir, { recursive: true })
    this.hide = {
      dataDir: options.dataDir,
      extra: options.hide ?? [],
      serverCwd: process.cwd(),
      ...(options.cgroupRoot ? { cgroupRoot: options.cgroupRoot } : {}),
    }
    for (const path of options.hide ?? []) {
      if (!existsSync(path))
        options.logger.warn(`SANDBOX_HIDE: ${path} does not exist yet; it is hidden from the processes started once it does`)
    }
    this.runDir = createRunDir()
    const program = noSetIdFilter()
    if (program) {
      this.filter = join(this.runDir, 'no-set-id.bpf')
      writeFileSync(this.filter, program, { mode: 0o600 })
    } else {
      options.logger.warn(
        `sandbox: no seccomp filter for ${process.arch}: a sandboxed process can make setuid files, which run as the server's user outside`,
      )
    }
    const defaults = options.limits ?? DEFAULT_LIMITS
    this.limiter = SessionLimiter.create(
      { logger: options.logger, ...(options.cgroupRoot ? { cgroupRoot: options.cgroupRoot } : {}) },
      defaults,
    )
    this.limits = { defaults, enforcement: this.limiter.enforcement }
  }

  prepare(spec: SandboxSpec): SandboxRun {
    const { logger } = this.options
    // The cwd lies in the workspace, where the agent makes and swaps links: bound from the
    // directory opened now (the process's next descriptor after its stdio and channel), and
    // checked here, where a refusal fails the start (in the SDK's spawn hook it would throw).
    // The caller checked spec.cwd as a real path: the directory opened must be that one, not
    // what a link swapped in since would resolve to.
    const cwd = this.bindFd ? spec.cwd : realpathSync(spec.cwd)
    const cwdFd = this.bindFd ? openCheckedDir(cwd) : undefined
    /** The descriptors of the directories bound (see bound-dir.ts), closed with the run. */
    const owned = cwdFd === undefined ? [] : [cwdFd]
    const { route, inside } = splitEnv(spec.env)
    const dir = mkdtempSync(join(this.runDir, 'r'))
    const onError = (err: Error) => {
      sandboxFailed('proxy')
      logger.warn(`sandbox proxy error: ${err.message}`, { sessionId: spec.sessionId })
    }
    const onUpstreamFailure = (failure: ModelFailure) => {
      logger.warn(`model API ${failure.upstream} failed: ${failure.cause}`, { sessionId: spec.sessionId })
      spec.onModelFailure?.(failure)
    }
    const gateway =
      route &&
      startModelGateway({
        socketPath: join(dir, 'model.sock'),
        ...route,
        onError,
        onUpstreamFailure,
        meter: spec.meter,
        onBudgetRefused: (refusal) => {
          logger.warn(`model request refused: ${refusal.scope} ${refusal.id} budget reached`, { sessionId: spec.sessionId })
          spec.onBudgetRefused?.(refusal)
        },
      })
    const allow = this.allow
    const egress = startEgressProxy({
      socketPath: join(dir, 'egress.sock'),
      allow,
      onDenied: (d) => {
        egressDenied()
        logger.warn(`sandbox refused a connection to ${d.host}:${d.port}`, { sessionId: spec.sessionId })
      },
      onError,
    })
    const where: RunLayout = {
      cwd,
      cwdFd,
      workdir: realpathSync(spec.workdir ?? spec.cwd),
      stateDir: realpathSync(spec.stateDir),
      socketDir: dir,
      allow,
      gateway: gateway !== undefined,
    }
    // A run with a model gateway is an agent; its tools join the tools group on their own.
    const occupant = gateway ? 'agent' : 'command'
    const entered = this.limiter.enter(spec.sessionId, spec.limits ?? this.limits.defaults, occupant, spec.onLimitHit)
    const prefix = entered.toolJoinFiles.length > 0 ? `${INSIDE_SOCKET_DIR}/tool-shell` : undefined
    // The join files appear in the run's directory (placeholders to bind onto), not at their host
    // path: /sys/fs/cgroup inside shows the session's own group (see limitViews).
    const joins = entered.toolJoinFiles.map((source, i) => {
      writeFileSync(join(dir, `join-${i}`), '')
      return { source, target: `${INSIDE_SOCKET_DIR}/join-${i}` }
    })
    if (prefix) writeFileSync(join(dir, 'tool-shell'), toolShell(joins.map((j) => j.target)), { mode: 0o755 })
    let closed: Promise<void> | undefined
    const run: SandboxRun = {
      env: { ...inside, ...(prefix && { CLAUDE_CODE_SHELL_PREFIX: prefix }), ...handedCommandEnv(spec.commandEnv) },
      wrap: (command, args, options) => {
        // bwrap reads the filter from the descriptor's offset: one opened for each start.
        const filterFd = this.filter === undefined ? undefined : openSync(this.filter, constants.O_RDONLY)
        if (filterFd !== undefined) owned.push(filterFd)
        return this.wrap({ command, args: [...args] }, where, entered, joins, options?.ipc === true, filterFd)
      },
      spawned: (child) => {
        if (gateway) takeListener(child, gateway)
      },
      close: () =>
        (closed ??= Promise.all([gateway?.close(), egress.close()]).then(() => {
          closeAll(owned)
          entered.release()
          this.runs.delete(run)
          try {
            removeTreeSync(dir)
          } catch (err) {
            // What a command left there (a directory without permissions) must not fail the close.
            logger.warn(`sandbox run directory ${dir} not removed: ${String(err)}`, { sessionId: spec.sessionId })
          }
        })),
    }
    this.runs.add(run)
    return run
  }

  /** `ipc`: the model port's listener is handed to the server over the channel (no relay). */
  private wrap(
    cli: CommandLine,
    where: RunLayout,
    entered: Entered,
    joins: readonly { source: string; target: string }[],
    ipc: boolean,
    filterFd: number | undefined,
  ): WrappedCommandLine {
    const { cwd, stateDir, socketDir, cwdFd } = where
    const handOver = where.gateway && ipc
    const node = realpathSync(process.execPath)
    // The descriptors handed to bwrap follow stdio (and the channel): the cwd's, the filter's.
    const firstFd = handOver ? 4 : 3
    const fds = [cwdFd, filterFd].filter((fd): fd is number => fd !== undefined)
    // The CLI (the server's own binary, an agent's run) may need files beside it; a bare name
    // found on PATH is not re-exposed. A command's program is the exec request's: exposing its
    // directory showed any hidden one holding an executable (another session's workspace with a
    // run.sh, under /root), whole, to a command that its variables (BASH_ENV) made run code there.
    const cliDir = where.gateway && isAbsolute(cli.command) ? [dirname(realpathSync(cli.command))] : []
    const layout = {
      hidden: hiddenPaths(this.hide),
      readOnly: [node, realpathSync(LAUNCHER), SERVER_TREE, ...cliDir],
      writable: [cwd, stateDir],
      boundFds: new Map(cwdFd === undefined ? [] : [[cwd, firstFd]]),
      ...(filterFd !== undefined && { seccompFd: firstFd + (cwdFd === undefined ? 0 : 1) }),
      // The session's tools group where runtimes read their memory limit (with the cgroup
      // namespace bwrap makes, /proc/self/cgroup inside names that group "/").
      mounts: [...entered.limitViews, { source: socketDir, target: INSIDE_SOCKET_DIR }],
      // The tools group's join files, writable: a tool can only put itself in that group.
      writableMounts: joins,
      cwd: where.workdir,
    }
    const egress = `${INSIDE_SOCKET_DIR}/egress.sock`
    const relays = [`127.0.0.1:${PROXY_PORT}=${egress}`]
    if (handOver) relays.push('--hand-over', `127.0.0.1:${MODEL_PORT}`)
    else if (where.gateway) relays.push(`127.0.0.1:${MODEL_PORT}=${INSIDE_SOCKET_DIR}/model.sock`)
    // An allowed service on the host's loopback answers at the same address inside (through
    // the proxy, which checks the list again); the relay ports themselves are taken. One address
    // named twice (localhost and 127.0.0.1) is listened on once: twice would fail every start.
    const listening = new Set<string>()
    for (const { host, port } of where.allow.loopbackEntries()) {
      if (port === MODEL_PORT || port === PROXY_PORT) continue
      const listen = host === '::1' ? `[::1]:${port}` : `${host === 'localhost' ? '127.0.0.1' : host}:${port}`
      if (listening.has(listen)) continue
      listening.add(listen)
      relays.push(`${listen}=${egress}=${host.includes(':') ? `[${host}]` : host}:${port}`)
    }
    // The limits come first: bwrap and all it starts are in the session's group from the start.
    const line = entered.wrap(this.bwrap, [...bwrapArgs(layout), '--', node, LAUNCHER, ...relays, '--', cli.command, ...cli.args])
    return { ...line, ...(handOver ? { ipc: true } : {}), fds }
  }

  hides(real: string, own: readonly string[]): boolean {
    if (own.some((dir) => isInside(real, dir))) return false
    // A hidden directory itself is there inside (an empty tmpfs), as a hidden file is (/dev/null).
    const beneath = (hidden: HiddenPath) => hidden.kind === 'dir' && real !== hidden.path && isInside(real, hidden.path)
    if (!hiddenPaths(this.hide).some(beneath)) return false
    // What every run gets back read-only (see wrap); an exec command's program is not among it.
    return ![realpathSync(process.execPath), realpathSync(LAUNCHER), SERVER_TREE].some((shown) => isInside(real, shown))
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs].map((run) => run.close()))
    this.limiter.close()
    removeTreeSync(this.runDir)
  }
}

/** The launcher's one message: the model port's listener, made inside the sandbox. The
 * channel is closed as soon as it came; nothing else is read from it. */
function takeListener(child: ChildProcess, gateway: ModelGateway): void {
  const onMessage = (message: unknown, handle: unknown) => {
    const kind = (message as { type?: unknown } | null)?.type
    if (kind !== 'claude-agent-listener' || !(handle instanceof NetServer)) return
    child.off('message', onMessage)
    gateway.accept(handle)
    if (child.connected) child.disconnect()
  }
  child.on('message', onMessage)
}

/** One word for the CLI's shell, whatever the path holds. */
const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
