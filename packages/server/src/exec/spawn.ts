// The one door through which a command reaches a session's sandbox: spawned in its own
// process group, in the session's directory, with a minimal environment, never the server's
// own (which holds the model credentials). `sandboxedSpawner` runs it the way the session's
// agent runs: prepares a SandboxRun, wraps the command line, spawns with the run's
// environment, closes the run on exit. `spawnInSession` is the same without a sandbox.
import { ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, realpathSync, statSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import type { QueryConfig } from '@claude-agent/protocol'
import { ensureStateDirs } from '../agent/state-dirs.js'
import { resolveLimits } from '../sandbox/limits.js'
import type { Sandbox } from '../sandbox/sandbox.js'

/** Where a command runs: the session it belongs to. */
export interface ExecTarget {
  /** The session's id (for log lines). */
  id: string
  /** The session's working directory (absolute): the command's cwd is inside it. */
  cwd: string
  /** The session's state directory: the command's HOME and TMPDIR are in it, as its agent's. */
  stateDir: string
  /** The limits its config asks for: a command shares the session's group with its agent. */
  limits?: QueryConfig['limits']
}

export interface SpawnInSessionOptions {
  /** Absolute, inside the session's cwd (checked by the caller). */
  cwd: string
  /** Variables the request adds to the minimal environment. */
  env: Record<string, string>
}

/** Starts `command` with `args` (no shell) for `session`. stdio is piped; the child leads a new
 * process group (detached), so the whole group can be killed. */
export type SessionSpawner = (session: ExecTarget, command: string, args: readonly string[], options: SpawnInSessionOptions) => ChildProcess

/**
 * The environment a command gets: PATH and LANG (never a secret), HOME and TMPDIR in the
 * session's state directory, then what the request adds.
 *
 * @example
 * commandEnv(session, { DEBUG: '1' }) // { PATH, LANG, HOME: '<state>/home', TMPDIR: '<state>/tmp', DEBUG: '1' }
 */
export function commandEnv(session: ExecTarget, extra: Record<string, string>): Record<string, string> {
  const home = join(session.stateDir, 'home')
  const tmp = join(session.stateDir, 'tmp')
  ensureStateDirs([home, tmp])
  return {
    PATH: process.env['PATH'] || '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env['LANG'] || 'C.UTF-8',
    HOME: home,
    TMPDIR: tmp,
    ...extra,
  }
}

/** @see SessionSpawner */
export const spawnInSession: SessionSpawner = (session, command, args, options) =>
  spawn(command, [...args], {
    cwd: options.cwd,
    env: commandEnv(session, options.env),
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  })

/** Why `command` cannot be run from `cwd` with `path`, as spawn would say it: ENOENT, EACCES.
 * A file `hidden` says the sandbox hides is not there: the answer must not tell a hidden name
 * that exists (another session's file, one under /root) from one that does not. */
function unrunnable(
  command: string,
  cwd: string,
  path: string | undefined,
  hidden: (real: string) => boolean,
): 'ENOENT' | 'EACCES' | undefined {
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command))
  let found = false
  for (const file of candidates) {
    try {
      if (hidden(realpathSync(file))) continue
      const isFile = statSync(file).isFile()
      found = true
      // A directory has its x bit, but exec refuses it (EACCES), as it refuses a file without one.
      if (isFile) {
        accessSync(file, constants.X_OK)
        return undefined
      }
    } catch {
      // next
    }
  }
  return found ? 'EACCES' : 'ENOENT'
}

/** A child that never started: it emits the error spawn would have. */
function failedSpawn(command: string, code: 'ENOENT' | 'EACCES'): ChildProcess {
  const child = new ChildProcess()
  const error = Object.assign(new Error(`spawn ${command} ${code}`), { code, syscall: `spawn ${command}`, path: command })
  process.nextTick(() => child.emit('error', error))
  return child
}

/**
 * A SessionSpawner that runs each command in the session's sandbox. The command is looked up
 * on the host first (the sandbox sees the same binaries, read-only), so a missing one fails
 * with ENOENT as it would unsandboxed, instead of inside.
 *
 * @example
 * execRoutes({ ..., spawn: sandboxedSpawner(server.sandbox) })
 */
export function sandboxedSpawner(sandbox: Sandbox): SessionSpawner {
  return (session, command, args, options) => {
    // The request's variables are the command's alone: the host-side wrapper runs without them.
    const env = commandEnv(session, {})
    const own = [session.cwd, session.stateDir].map((dir) => realpathSync(dir))
    const hidden = (real: string) => sandbox.hides?.(real, own) ?? false
    const problem = unrunnable(command, options.cwd, options.env['PATH'] ?? env['PATH'], hidden)
    if (problem) return failedSpawn(command, problem)
    const limits = resolveLimits(session, sandbox.limits.defaults)
    const where = { sessionId: session.id, cwd: session.cwd, workdir: options.cwd, stateDir: session.stateDir }
    const run = sandbox.prepare({ ...where, env, commandEnv: options.env, limits })
    let child: ChildProcess
    try {
      const line = run.wrap(command, args)
      // The sandbox binds the directories it checked from the descriptors it gives.
      child = spawn(line.command, line.args, {
        cwd: options.cwd,
        env: run.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', ...(line.fds ?? [])],
      })
    } catch (err) {
      // spawn throws (rather than emitting 'error') on arguments it cannot pass: the run's
      // sockets and directory must not outlive the request.
      void run.close()
      throw err
    }
    const release = () => void run.close()
    child.once('exit', release)
    child.once('error', release)
    return child
  }
}
