// The bwrap command line for one CLI process, as a pure function of a layout so that it can
// be read and tested without running anything. Order matters to bwrap: later mounts cover
// earlier ones, so we hide first, then expose again only what the run needs.
import { sep } from 'node:path'
import { isInside } from '../paths.js'

export { isInside }

/**
 * Namespaces and privileges. `--unshare-user` with `--cap-drop ALL` matters when the server
 * runs as root: bwrap keeps every capability for root otherwise, and a process with
 * CAP_SYS_ADMIN could unmount what hides the host's files.
 */
export const NAMESPACE_ARGS: readonly string[] = [
  '--unshare-user',
  '--unshare-pid', // no view of host processes (and their /proc/<pid>/environ)
  '--unshare-net', // only a private loopback: the proxy sockets are the way out
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-cgroup-try',
  '--cap-drop',
  'ALL',
  '--die-with-parent', // killing bwrap (the pid the server knows) kills everything inside
  '--new-session', // no TIOCSTI into the server's terminal
]

export interface HiddenPath {
  path: string
  /** A directory is covered by an empty tmpfs, a file by /dev/null. */
  kind: 'dir' | 'file'
}

export interface BwrapLayout {
  /** Host paths made invisible (absolute, existing, symlinks resolved). */
  hidden: readonly HiddenPath[]
  /** Paths the run needs to read (node, the launcher, the CLI): re-exposed if hidden. */
  readOnly: readonly string[]
  /** Paths bound read-write at the same place (the session's cwd and state directory). */
  writable: readonly string[]
  /** Writable paths bound from a descriptor the process gets (`--bind-fd`), not by path: a
   * directory opened when it was checked, so a link swapped in since is not followed. */
  boundFds?: ReadonlyMap<string, number>
  /** The descriptor the process gets with the seccomp filter (seccomp-filter.ts). */
  seccompFd?: number
  /** Host paths bound read-only at another place inside (the proxy sockets, the session's cgroup). */
  mounts: readonly { source: string; target: string }[]
  /** Host files bound writable at another place inside, after the mounts (so onto files in
   * them): the tools group's join files, at the run's socket directory. */
  writableMounts?: readonly { source: string; target: string }[]
  /** The working directory inside. */
  cwd: string
}

const depth = (path: string) => path.split(sep).length

/**
 * bwrap's arguments up to (not including) the `--` that precedes the command.
 *
 * @example
 * bwrapArgs({ hidden: [{ path: '/root', kind: 'dir' }], readOnly: [], writable: ['/srv/ws'],
 *             mounts: [], cwd: '/srv/ws' })
 * // [...NAMESPACE_ARGS, '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev',
 * //  '--tmpfs', '/root', '--bind', '/srv/ws', '/srv/ws', '--chdir', '/srv/ws']
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args = [...NAMESPACE_ARGS, '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev']
  const writable = [...layout.writable].sort((a, b) => depth(a) - depth(b))
  const inWritable = (path: string) => writable.some((w) => isInside(path, w))

  // Directories to hide, outermost first; one inside another hidden one needs no mount of its own.
  const dirs: string[] = []
  for (const { path } of [...layout.hidden].filter((h) => h.kind === 'dir').sort((a, b) => depth(a.path) - depth(b.path))) {
    if (!dirs.some((d) => isInside(path, d))) dirs.push(path)
  }
  const isHidden = (path: string) => dirs.some((d) => isInside(path, d))
  // A hidden directory inside a writable one must be mounted after that bind, or it would be covered.
  const hideLater = dirs.filter(inWritable)
  for (const dir of dirs) if (!hideLater.includes(dir)) args.push('--tmpfs', dir)

  // Read-only paths under a hidden directory are exposed again (e.g. the server's own tree
  // when it lives under /tmp); whatever hidden lies inside them is hidden again, before the
  // writable binds so a writable directory inside stays visible.
  const reexposed = layout.readOnly.filter((path) => isHidden(path) && !inWritable(path))
  const inReexposed = (path: string) => reexposed.some((r) => isInside(path, r))
  for (const path of reexposed) args.push('--ro-bind', path, path)
  const rehide: string[] = []
  for (const { path } of [...layout.hidden].filter((h) => h.kind === 'dir').sort((a, b) => depth(a.path) - depth(b.path))) {
    if (inReexposed(path) && !inWritable(path) && !rehide.some((d) => isInside(path, d))) rehide.push(path)
  }
  for (const dir of rehide) args.push('--tmpfs', dir)
  for (const path of writable) {
    const fd = layout.boundFds?.get(path)
    args.push(...(fd === undefined ? ['--bind', path, path] : ['--bind-fd', String(fd), path]))
  }
  for (const dir of hideLater) args.push('--tmpfs', dir)
  for (const { path } of layout.hidden.filter((h) => h.kind === 'file')) {
    if (!isHidden(path) || inWritable(path) || inReexposed(path)) args.push('--ro-bind', '/dev/null', path)
  }
  for (const { source, target } of layout.mounts) args.push('--ro-bind', source, target)
  for (const { source, target } of layout.writableMounts ?? []) args.push('--bind', source, target)
  if (layout.seccompFd !== undefined) args.push('--seccomp', String(layout.seccompFd))
  args.push('--chdir', layout.cwd)
  return args
}
