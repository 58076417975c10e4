// Path containment, shared by every place a path enters the server (session and exec cwd,
// the files API, the sandbox's binds, WORKSPACE_DIR and DATA_DIR): whole-segment comparison
// of absolute paths, and the real location of a path that may not exist yet.
import { realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

/** Whether `child` is `parent` or lies beneath it (both absolute; `/srv/database` is not in `/srv/data`). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code

/** The deepest ancestor of `path` (itself included) that exists, as a real path, and the
 * names below it that do not exist yet. */
export function deepestExisting(path: string): { existing: string; missing: string[] } {
  const missing: string[] = []
  let existing = resolve(path)
  for (;;) {
    try {
      return { existing: realpathSync(existing), missing }
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err
    }
    const parent = dirname(existing)
    if (parent === existing) return { existing, missing }
    missing.unshift(basename(existing))
    existing = parent
  }
}

/**
 * Where `path` really is, or would be once created: the real path of its deepest existing
 * ancestor (symlinks followed) with the missing rest appended.
 *
 * @example
 * // /srv/ws -> /data/ws (a symlink), /data/ws/new does not exist
 * realLocation('/srv/ws/new') // '/data/ws/new'
 */
export function realLocation(path: string): string {
  const { existing, missing } = deepestExisting(path)
  return join(existing, ...missing)
}
