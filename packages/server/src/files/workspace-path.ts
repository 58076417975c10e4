// The one place that turns a client's path into a file system path, and the one rule every
// file operation obeys: the path, with every symlink followed, stays inside the workspace.
// Lexical checks first (absolute paths, `..` escapes), then the real location of the deepest
// part that exists, so a symlink pointing out is refused whatever the operation.
import { lstatSync, mkdirSync, readlinkSync, realpathSync, statSync } from 'node:fs'
import { lstat, readlink, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, posix, resolve } from 'node:path'
import { ServerError } from '../errors.js'
import { isInside, realLocation } from '../paths.js'

/** A client path, checked. */
export interface WorkspacePath {
  /** Normalized, `/`-separated, relative to the workspace root; `.` for the root. */
  rel: string
  /** The absolute path the operation uses (lexical: symlinks inside the workspace stay as they are). */
  abs: string
}

/** Symlink hops followed before giving up (as the kernel's ELOOP). */
const MAX_HOPS = 40
/** Linux's PATH_MAX (its NUL included) and NAME_MAX: longer paths fail in the kernel
 * (ENAMETOOLONG), so they are refused here as bad input rather than surfacing as an unknown
 * error. The limit holds for the absolute path the server uses, the workspace root included. */
const MAX_PATH_BYTES = 4096
const MAX_NAME_BYTES = 255

const outside = (path: string, why: string) =>
  new ServerError('PATH_OUTSIDE_WORKSPACE', `Path "${path.slice(0, 256)}" ${why}`, { path: path.slice(0, 256) })

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code

/** `input` (relative to `base`) as a normalized path relative to `root`, or why it is refused. */
function lexical(input: string, base: string, root: string): string {
  if (input.includes('\0')) {
    throw new ServerError('INVALID_REQUEST', 'path contains a NUL byte', { issues: [{ path: 'path', message: 'NUL byte' }] })
  }
  if (isAbsolute(input)) throw outside(input, 'is absolute; paths are relative to the workspace root')
  const rel = posix.normalize(posix.join(base, input)).replace(/\/+$/, '') || '.'
  const tooLong =
    Buffer.byteLength(join(root, rel)) >= MAX_PATH_BYTES || rel.split('/').some((name) => Buffer.byteLength(name) > MAX_NAME_BYTES)
  if (tooLong) {
    const most = MAX_PATH_BYTES - 1 - Buffer.byteLength(join(root, '/'))
    const message = `path is too long (at most ${most} bytes in this workspace, ${MAX_NAME_BYTES} per name)`
    throw new ServerError('INVALID_REQUEST', message, { issues: [{ path: 'path', message }] })
  }
  if (rel === '..' || rel.startsWith('../')) throw outside(input, 'leaves the workspace')
  return rel
}

/**
 * A workspace root and its resolver.
 *
 * @example
 * const ws = new Workspace('/srv/workspace')
 * const { abs } = await ws.resolve('src/app.ts')   // '/srv/workspace/src/app.ts'
 * await ws.resolve('../etc/passwd')                // throws PATH_OUTSIDE_WORKSPACE
 */
export class Workspace {
  private realRoot: Promise<string> | undefined

  constructor(readonly root: string) {}

  /** The root with its own symlinks resolved (the workspace may itself live behind one). */
  real(): Promise<string> {
    return (this.realRoot ??= realpath(this.root).catch((err: unknown) => {
      this.realRoot = undefined
      throw err
    }))
  }

  /**
   * Checks `input` and returns where it points. `base` is a path relative to the root that
   * `input` is relative to (an exec cwd is relative to the session's directory).
   * Throws INVALID_REQUEST for a malformed path, PATH_OUTSIDE_WORKSPACE for an escape.
   */
  async resolve(input: string, base = '.'): Promise<WorkspacePath> {
    const rel = lexical(input, base, this.root)
    const abs = rel === '.' ? this.root : join(this.root, rel)
    const real = await this.real()
    if (!(await this.staysInside(abs, real, 0))) throw outside(input, 'leads outside the workspace through a symlink')
    return { rel, abs }
  }

  /**
   * The real path of directory `input` (relative to `base`), followed one segment at a time
   * so that no symlink on the way leads out; with `create`, missing directories are made on
   * the way, each inside. This real path is what a sandbox binds and a process starts in:
   * call it at the moment of use, since a link can be swapped at any time. Synchronous, as
   * the sandbox's spawn hook is.
   * @throws PATH_OUTSIDE_WORKSPACE, FILE_NOT_FOUND (without `create`), NOT_A_DIRECTORY, INVALID_REQUEST
   */
  directorySync(input: string, options: { base?: string; create?: boolean } = {}): string {
    const rel = lexical(input, options.base ?? '.', this.root)
    const root = realpathSync(this.root)
    let current = root
    for (const segment of rel === '.' ? [] : rel.split('/')) {
      const next = join(current, segment)
      let real: string
      try {
        real = realpathSync(next)
      } catch (err) {
        if (errno(err) === 'ELOOP') throw outside(input, 'is a symlink loop')
        if (errno(err) !== 'ENOENT') throw err
        if (isDangling(next)) {
          const target = realLocation(resolve(current, readlinkSync(next)))
          if (!isInside(target, root)) throw outside(input, 'leads outside the workspace through a symlink')
          throw new ServerError('FILE_NOT_FOUND', `${rel} leads through a symlink to a missing directory`, { path: rel })
        }
        if (!options.create) throw new ServerError('FILE_NOT_FOUND', `No such directory: ${rel}`, { path: rel })
        mkdirSync(next)
        real = next
      }
      if (!isInside(real, root)) throw outside(input, 'leads outside the workspace through a symlink')
      if (!statSync(real).isDirectory()) throw new ServerError('NOT_A_DIRECTORY', `A part of ${rel} is not a directory`, { path: rel })
      current = real
    }
    return current
  }

  /** The real location of `abs`, or of its deepest existing ancestor, lies inside `realRoot`. */
  private async staysInside(abs: string, realRoot: string, hops: number): Promise<boolean> {
    if (hops > MAX_HOPS) return false
    try {
      return isInside(await realpath(abs), realRoot)
    } catch (err) {
      if (errno(err) === 'ELOOP') return false
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err
    }
    const parent = dirname(abs)
    let link: string | undefined
    try {
      const stats = await lstat(abs)
      // It exists but does not resolve: a dangling symlink. Writing through it would create
      // its target, so the target must be inside too.
      if (stats.isSymbolicLink()) link = await readlink(abs)
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err
    }
    if (parent === abs) return false
    if (link === undefined) return this.staysInside(parent, realRoot, hops)
    const realParent = await realpath(parent)
    if (!isInside(realParent, realRoot)) return false
    return this.staysInside(resolve(realParent, link), realRoot, hops + 1)
  }
}

function isDangling(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}
