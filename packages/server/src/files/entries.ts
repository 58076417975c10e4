// Describing and listing entries. Listings never follow symlinks: a link is reported as a
// `symlink` entry and not descended into, so a recursive listing cannot wander outside.
import type { Stats } from 'node:fs'
import { lstat, opendir } from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { FileEntry, FileType } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'

/** A recursive listing stops after this many entries and says it was truncated. */
export const MAX_LIST_ENTRIES = 100_000

/** Upload temp files (see content.ts): an upload in progress is not yet a file, so neither a
 *  listing nor the watcher shows one; a failed upload removes its own. */
export const UPLOAD_TEMP = /^\.cas-upload-[0-9a-f]{16}\.tmp$/

export function fileTypeOf(stats: Stats): FileType {
  if (stats.isSymbolicLink()) return 'symlink'
  if (stats.isDirectory()) return 'directory'
  if (stats.isFile()) return 'file'
  return 'other'
}

export function entryOf(rel: string, stats: Stats): FileEntry {
  return {
    name: rel === '.' ? '.' : posix.basename(rel),
    path: rel,
    type: fileTypeOf(stats),
    size: stats.size,
    mtime: stats.mtime.toISOString(),
  }
}

/** Turns a failed file system call into the wire error for it; unknown failures stay unknown. */
export function fsError(err: unknown, rel: string): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return new ServerError('FILE_NOT_FOUND', `No such file or directory: ${rel}`, { path: rel })
    case 'ENOTDIR':
      return new ServerError('NOT_A_DIRECTORY', `A part of ${rel} is not a directory`, { path: rel })
    case 'EISDIR':
      return new ServerError('IS_A_DIRECTORY', `${rel} is a directory`, { path: rel })
    case 'EEXIST':
      return new ServerError('FILE_EXISTS', `${rel} already exists`, { path: rel })
    case 'ENOTEMPTY':
      return new ServerError('DIRECTORY_NOT_EMPTY', `${rel} is not empty; pass recursive=1 to delete it with its contents`, { path: rel })
    default:
      return err
  }
}

/** `lstat` with the wire error on failure. */
export async function statEntry(rel: string, abs: string): Promise<Stats> {
  try {
    return await lstat(abs)
  } catch (err) {
    throw fsError(err, rel)
  }
}

/** The entries of directory `abs` (workspace path `rel`), sorted by name; depth-first when recursive. */
export async function listEntries(rel: string, abs: string, recursive: boolean): Promise<{ entries: FileEntry[]; truncated: boolean }> {
  const entries: FileEntry[] = []
  const walk = async (dirRel: string, dirAbs: string): Promise<boolean> => {
    const names: string[] = []
    const dir = await opendir(dirAbs)
    for await (const dirent of dir) if (!UPLOAD_TEMP.test(dirent.name)) names.push(dirent.name)
    names.sort()
    for (const name of names) {
      if (entries.length >= MAX_LIST_ENTRIES) return false
      const childRel = dirRel === '.' ? name : `${dirRel}/${name}`
      const childAbs = join(dirAbs, name)
      let stats: Stats
      try {
        stats = await lstat(childAbs)
      } catch {
        continue // removed meanwhile
      }
      entries.push(entryOf(childRel, stats))
      if (recursive && stats.isDirectory()) {
        try {
          if (!(await walk(childRel, childAbs))) return false
        } catch (err) {
          if (fsError(err, childRel) === err) throw err // removed or replaced meanwhile: skip it
        }
      }
    }
    return true
  }
  try {
    const complete = await walk(rel, abs)
    return { entries, truncated: !complete }
  } catch (err) {
    throw fsError(err, rel)
  }
}
