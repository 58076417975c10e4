// The one door through which a command reaches a session's sandbox. Today it spawns the
// command directly in its own process group, in the session's directory, with a minimal
// environment: never the server's own (which holds the model credentials). The sandbox
// (sandbox/) wraps this function: prepare a SandboxRun for the session, wrap the command
// line, spawn with the run's environment, close the run on exit.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** Where a command runs: the session it belongs to. */
export interface ExecTarget {
  /** The session's id (for log lines). */
  id: string
  /** The session's working directory (absolute): the command's cwd is inside it. */
  cwd: string
  /** The session's state directory: the command's HOME and TMPDIR are in it, as its agent's. */
  stateDir: string
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
  for (const dir of [home, tmp]) mkdirSync(dir, { recursive: true })
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
