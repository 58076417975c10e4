// Finds `bwrap` and checks, once at start-up, that it can create the namespaces we use, so a
// missing package or a host that forbids user namespaces fails the start with a clear message
// instead of failing every session later.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { NAMESPACE_ARGS } from './bwrap-args.js'
import { SandboxError } from './sandbox.js'

const INSTALL_HINT =
  'Install the package `bubblewrap` (Debian/Ubuntu: `apt-get install bubblewrap`, Fedora: ' +
  '`dnf install bubblewrap`, Alpine: `apk add bubblewrap`), or turn isolation off explicitly ' +
  'with `--sandbox none` (SANDBOX=none).'

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The `bwrap` executable: `explicit` if given, else the first on PATH.
 * @throws SandboxError BWRAP_NOT_FOUND, naming the package to install
 */
export function findBwrap(pathEnv: string | undefined, explicit?: string): string {
  if (explicit) {
    if (isAbsolute(explicit) && isExecutable(explicit)) return explicit
    throw new SandboxError('BWRAP_NOT_FOUND', `bubblewrap not found at ${explicit}. ${INSTALL_HINT}`)
  }
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'bwrap'))) return join(dir, 'bwrap')
  }
  throw new SandboxError('BWRAP_NOT_FOUND', `bubblewrap is not installed (no \`bwrap\` on PATH). ${INSTALL_HINT}`)
}

/**
 * Runs a trivial command in a sandbox with the namespaces every session will use.
 * @throws SandboxError BWRAP_UNUSABLE with bwrap's own complaint
 */
export function checkBwrap(bwrap: string, filter?: Buffer): void {
  // With the seccomp filter every start uses (read from stdin here): a kernel or an outer
  // profile that refuses it fails here, with bwrap's reason, rather than every session's start.
  const seccomp = filter ? ['--seccomp', '0'] : []
  const probe = spawnSync(
    bwrap,
    [...NAMESPACE_ARGS, ...seccomp, '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', process.execPath, '--version'],
    { encoding: 'utf8', timeout: 10_000, ...(filter && { input: filter }) },
  )
  if (probe.status === 0) return
  const why = (probe.stderr || probe.error?.message || `exit ${probe.status ?? probe.signal}`).trim()
  throw new SandboxError(
    'BWRAP_UNUSABLE',
    `bubblewrap (${bwrap}) cannot create a sandbox here: ${why}. It needs user, pid and network ` +
      'namespaces; in a container, allow them (e.g. a seccomp/AppArmor profile that permits ' +
      'unshare, or sysctl kernel.unprivileged_userns_clone=1), or turn isolation off explicitly ' +
      'with `--sandbox none`.',
  )
}

/** What this bwrap can do beyond the basics. `bindFd`: `--bind-fd` (bubblewrap 0.8+), which
 * mounts a directory from a descriptor instead of following its path again. */
export function bwrapFeatures(bwrap: string): { bindFd: boolean } {
  const help = spawnSync(bwrap, ['--help'], { encoding: 'utf8', timeout: 10_000 })
  return { bindFd: `${help.stdout ?? ''}${help.stderr ?? ''}`.includes('--bind-fd') }
}
