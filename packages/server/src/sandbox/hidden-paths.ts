// Which host paths the sandbox must not see: homes, the server's data directory, runtime
// sockets, shared temp directories, credential files. Resolved at each sandbox start (symlinks
// followed, missing paths dropped: bwrap cannot mount over nothing) for the pure argument builder.
import { lstatSync, realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { HiddenPath } from './bwrap-args.js'

/** Always covered, whatever the configuration: the sandbox's /tmp is private, /run holds host
 * sockets, the cgroup tree lists every session's group (a tool's own join files are bound again). */
const ALWAYS = ['/tmp', '/var/tmp', '/run', '/var/run', '/dev/shm', '/sys/fs/cgroup']

/** Hidden by default: where users, their keys and the machine's secrets live. */
const DEFAULTS = ['/root', '/home', '/etc/shadow', '/etc/gshadow', '/etc/ssh', '/etc/ssl/private']

export interface HiddenPathsInput {
  /** The server's data directory (the event log, every session's state). */
  dataDir: string
  /** Extra paths from the configuration (SANDBOX_HIDE). */
  extra?: readonly string[]
  /** The directory the server started in: its `.env` is hidden. @default process.cwd() */
  serverCwd?: string
  /** Where the session groups are made, when not /sys/fs/cgroup (SESSION_CGROUP_ROOT). */
  cgroupRoot?: string
}

/** The paths to hide, as the host has them now. */
export function hiddenPaths(input: HiddenPathsInput): HiddenPath[] {
  const serverCwd = input.serverCwd ?? process.cwd()
  const wanted = [
    ...ALWAYS,
    ...DEFAULTS,
    homedir(),
    input.dataDir,
    join(serverCwd, '.env'),
    ...(input.extra ?? []),
    ...(input.cgroupRoot ? [input.cgroupRoot] : []),
  ]
  const out: HiddenPath[] = []
  for (const path of wanted) {
    let real: string
    try {
      real = realpathSync(resolve(path))
    } catch {
      continue // not there: nothing to hide
    }
    if (real === '/' || out.some((h) => h.path === real)) continue
    out.push({ path: real, kind: lstatSync(real).isDirectory() ? 'dir' : 'file' })
  }
  return out
}
