// The data and workspace directories, checked before anything is created: each must be (or
// be creatable) on a real, writable file system, and they must keep apart from each other and
// from the server's source tree, compared by real path (symlinks followed). A bad one stops
// the start with one line naming the setting.
import { accessSync, closeSync, constants, lstatSync, openSync, readFileSync, readSync, statSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { deepestExisting, isInside } from './paths.js'
import { SettingsError, sessionWorkspacesDir } from './settings.js'

/** File systems that look like directories but are the kernel's (mkdir there never ends well:
 * `mkdir -p /proc/x` spins forever). */
const VIRTUAL_FS: Readonly<Record<number, string>> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err)

/** The real path `dir` has or will have, refused if it cannot be a directory we write to. */
function usableDir(name: string, dir: string): string {
  const { existing, missing } = deepestExisting(dir)
  const real = join(existing, ...missing)
  const shown = real === dir ? dir : `${dir} (really ${real})`
  const fs = VIRTUAL_FS[statfsSync(existing).type]
  if (fs) throw new SettingsError(`${name} ${shown} is on the kernel's ${fs} file system; choose a directory on a disk`)
  if (!statSync(existing).isDirectory()) throw new SettingsError(`${name} ${shown}: ${existing} is not a directory`)
  if (missing.length > 0) {
    const below = join(existing, missing[0]!)
    if (lstatSync(below, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new SettingsError(`${name} ${dir}: ${below} is a symlink to a missing directory`)
    }
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK)
  } catch (err) {
    throw new SettingsError(`${name} ${shown} is not writable (${existing}: ${errno(err)})`)
  }
  return real
}

/** The database, if it exists already, must be a file we can read and write. */
function usableDatabase(dataDir: string): void {
  const db = join(dataDir, 'sessions.db')
  const stats = lstatSync(db, { throwIfNoEntry: false })
  if (!stats) return
  if (!stats.isFile()) throw new SettingsError(`DATA_DIR ${dataDir}: the database ${db} is not a regular file`)
  try {
    accessSync(db, constants.R_OK | constants.W_OK)
  } catch (err) {
    throw new SettingsError(`DATA_DIR ${dataDir}: the database ${db} cannot be read and written (${errno(err)})`)
  }
  // Checked here rather than left to SQLite, which would fail only after the lock file is made.
  if (stats.size > 0 && !hasSqliteHeader(db)) {
    throw new SettingsError(`DATA_DIR ${dataDir}: the database ${db} is not a SQLite database; move it away or choose another DATA_DIR`)
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0')

function hasSqliteHeader(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length)
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER)
  } finally {
    closeSync(fd)
  }
}

export interface CheckedDirs {
  /** Real paths (symlinks resolved), to be used from here on. */
  dataDir: string
  workspaceDir: string
}

/**
 * @example
 * checkDirs({ dataDir: '/srv/cas', workspaceDir: '/srv/cas/workspace', sourceRoot: '/opt/cas' }) // ok
 * checkDirs({ dataDir: '/srv/cas', workspaceDir: '/', sourceRoot: '/opt/cas' })
 * // throws SettingsError('WORKSPACE_DIR / is the whole file system ...')
 */
export function checkDirs(settings: { dataDir: string; workspaceDir: string; sourceRoot: string }): CheckedDirs {
  const source = deepestExisting(settings.sourceRoot).existing
  const dataDir = usableDir('DATA_DIR', settings.dataDir)
  if (isInside(dataDir, source)) {
    throw new SettingsError(`DATA_DIR ${dataDir} is inside the server's source tree; choose a directory outside ${source}`)
  }
  usableDatabase(dataDir)
  const ws = usableDir('WORKSPACE_DIR', settings.workspaceDir)
  const named = `WORKSPACE_DIR ${settings.workspaceDir}${ws === settings.workspaceDir ? '' : ` (really ${ws})`}`
  if (ws === '/') throw new SettingsError(`${named} is the whole file system; choose a directory of its own`)
  if (isInside(ws, source)) throw new SettingsError(`${named} is inside the server's source tree; choose a directory outside ${source}`)
  if (isInside(source, ws)) throw new SettingsError(`${named} contains the server's source tree (${source}); choose a directory of its own`)
  if (isInside(dataDir, ws)) {
    throw new SettingsError(`${named} contains DATA_DIR ${dataDir} (the agent would see sessions.db); choose a directory of its own`)
  }
  const sessions = join(dataDir, 'sessions')
  if (isInside(ws, sessions)) throw new SettingsError(`${named} is inside ${sessions}, where sessions keep their state`)
  // The default session's agent and files API reach all of WORKSPACE_DIR: inside the named
  // sessions' workspaces, they would reach every session's files and the shared workspaces' owners.
  const workspaces = sessionWorkspacesDir({ dataDir })
  if (isInside(ws, workspaces)) throw new SettingsError(`${named} is inside ${workspaces}, where the other sessions' workspaces are`)
  return { dataDir, workspaceDir: ws }
}

/** The first port an unprivileged process may bind, and whether this one has the capability
 * to bind below it (root has). Unknown (no /proc): undefined, and listen decides. */
function privilegedPorts(): { start: number; capable: boolean } | undefined {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim())
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return { start, capable: capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << CAP_NET_BIND_SERVICE)) !== 0n }
  } catch {
    return undefined
  }
}
const CAP_NET_BIND_SERVICE = 10n

/** A privileged port is refused up front (before anything is created) when listening there
 * would fail for lack of rights. */
export function checkPort(port: number): void {
  if (port === 0) return
  const ports = privilegedPorts()
  if (ports && port < ports.start && !ports.capable) {
    throw new SettingsError(
      `--port / PORT ${port} is privileged (below ${ports.start}): run as root, or choose a port from ${ports.start} to 65535`,
    )
  }
}
