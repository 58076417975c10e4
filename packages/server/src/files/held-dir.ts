// Workspace directories held open for one file operation, so that the check and the use are
// the same directory, not two lookups of one path: the agent can swap a directory on the way
// for a symlink to / at any moment, and a path looked up again after the resolver's check
// would follow it out. A directory is opened, then where the descriptor really is (not what
// the path says) is checked inside the real workspace root; names in it are reached as
// /proc/self/fd/<fd>/<name>, which the kernel looks up from the open directory itself.
// Opens use O_DIRECTORY (or O_NOFOLLOW for the final name), so nothing outside is ever opened:
// no FIFO, device or socket a swapped link could point at. As the sandbox's binds do
// (sandbox/bound-dir.ts).
import { constants, type Stats } from 'node:fs'
import { lstat, mkdir, open, readlink, realpath, type FileHandle } from 'node:fs/promises'
import { join, posix, relative } from 'node:path'
import { ServerError } from '../errors.js'
import { isInside } from '../paths.js'
import type { Workspace } from './workspace-path.js'

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK
/** Symlink hops followed at the final name before giving up (as the kernel's ELOOP). */
const MAX_HOPS = 40

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code

const outside = (rel: string, why: string) =>
  new ServerError('PATH_OUTSIDE_WORKSPACE', `Path "${rel.slice(0, 256)}" ${why}`, { path: rel.slice(0, 256) })

/** An open directory of the workspace. */
export class HeldDir {
  private constructor(
    private readonly handle: FileHandle,
    /** The real workspace root it was checked against. */
    readonly realRoot: string,
  ) {}

  /** This very directory, as a path. */
  get path(): string {
    return `/proc/self/fd/${this.handle.fd}`
  }

  get fd(): number {
    return this.handle.fd
  }

  /** `name` (one segment, a string or raw bytes) in this very directory. */
  at(name: string): string
  at(name: Buffer): Buffer
  at(name: string | Buffer): string | Buffer {
    return typeof name === 'string' ? `${this.path}/${name}` : Buffer.concat([Buffer.from(`${this.path}/`), name])
  }

  /** The subdirectory `name`, not following a symlink there (ENOTDIR for one): a directory
   *  in this one, inside as it is, at any depth (past PATH_MAX its path could not be read). */
  async child(name: string | Buffer): Promise<HeldDir> {
    const path = typeof name === 'string' ? this.at(name) : this.at(name)
    return new HeldDir(await open(path, DIR_FLAGS | constants.O_NOFOLLOW), this.realRoot)
  }

  close(): Promise<void> {
    return this.handle.close()
  }

  /**
   * Opens directory `path` (following symlinks unless `noFollow`) and checks that what it
   * opened lies inside `realRoot`. Failing opens throw their errno (ENOENT, ENOTDIR); a
   * symlink loop or a directory outside throws PATH_OUTSIDE_WORKSPACE naming `rel`.
   */
  static async open(realRoot: string, path: string | Buffer, rel: string, noFollow = false): Promise<HeldDir> {
    let handle: FileHandle
    try {
      handle = await open(path, DIR_FLAGS | (noFollow ? constants.O_NOFOLLOW : 0))
    } catch (err) {
      if (errno(err) === 'ELOOP') throw outside(rel, 'is a symlink loop')
      throw err
    }
    // Where the descriptor is, whatever the path says by now (" (deleted)" once removed).
    const where = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined)
    if (where === undefined || !isInside(where, realRoot)) {
      await handle.close()
      throw outside(rel, 'leads outside the workspace through a symlink')
    }
    return new HeldDir(handle, realRoot)
  }
}

/** Directory `rel` (relative to the root; symlinks on the way followed, each result checked);
 *  with `create`, missing directories are made on the way, each in its checked parent. */
export async function holdDir(ws: Workspace, rel: string, options: { create?: boolean } = {}): Promise<HeldDir> {
  const realRoot = await ws.real()
  if (!options.create) return HeldDir.open(realRoot, rel === '.' ? realRoot : join(realRoot, rel), rel)
  let dir = await HeldDir.open(realRoot, realRoot, '.')
  try {
    for (const segment of rel === '.' ? [] : rel.split('/')) {
      let next: HeldDir
      try {
        next = await HeldDir.open(realRoot, dir.at(segment), rel)
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err
        await mkdir(dir.at(segment)).catch((mkdirErr: unknown) => {
          if (errno(mkdirErr) !== 'EEXIST') throw mkdirErr
        })
        next = await HeldDir.open(realRoot, dir.at(segment), rel) // a dangling link there: ENOENT
      }
      await dir.close()
      dir = next
    }
    return dir
  } catch (err) {
    await dir.close()
    throw err
  }
}

/** The entry at workspace path `rel`: its directory, held, and its name there (`.` for the root). */
export interface HeldEntry {
  dir: HeldDir
  name: string
  /** The entry's path in its held directory. */
  path: string
}

/** The parent of `rel`, held (with `create`, made as needed), and the name in it. */
export async function holdEntry(ws: Workspace, rel: string, options: { create?: boolean } = {}): Promise<HeldEntry> {
  const parent = rel === '.' ? '.' : posix.dirname(rel)
  const name = rel === '.' ? '.' : posix.basename(rel)
  const dir = await holdDir(ws, parent, options)
  return { dir, name, path: dir.at(name) }
}

/**
 * The entry `rel` names with symlinks at its final name followed (each hop checked inside),
 * held in its directory, with its `lstat` (undefined: nothing there, or a dangling link,
 * which a write replaces). Whoever opens `path` next must not follow a link (O_NOFOLLOW):
 * one swapped in meanwhile is then refused instead of followed.
 */
export async function holdTarget(
  ws: Workspace,
  rel: string,
  options: { create?: boolean } = {},
): Promise<HeldEntry & { stats: Stats | undefined }> {
  let current = rel
  for (let hops = 0; ; hops++) {
    const entry = await holdEntry(ws, current, options)
    try {
      const stats = await lstat(entry.path).catch((err: unknown) => {
        if (errno(err) === 'ENOENT') return undefined
        throw err
      })
      if (!stats?.isSymbolicLink()) return { ...entry, stats }
      if (hops >= MAX_HOPS) throw outside(rel, 'is a symlink loop')
      const real = await realpath(entry.path).catch((err: unknown) => {
        if (errno(err) === 'ENOENT') return undefined
        if (errno(err) === 'ELOOP') throw outside(rel, 'is a symlink loop')
        throw err
      })
      if (real === undefined) return { ...entry, stats: undefined }
      if (!isInside(real, entry.dir.realRoot)) throw outside(rel, 'leads outside the workspace through a symlink')
      current = relative(entry.dir.realRoot, real) || '.'
    } catch (err) {
      await entry.dir.close()
      throw err
    }
    await entry.dir.close()
  }
}
