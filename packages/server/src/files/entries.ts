// Describing and listing entries. Listings never follow symlinks: a link is reported as a
// `symlink` entry and not descended into, so a recursive listing cannot wander outside.
import type { Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { posix } from 'node:path'
import type { FileEntry, FileType } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { HeldDir } from './held-dir.js'

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

/** A recursive listing holds one directory open per level it is down: deeper directories are
 *  listed as entries but not descended into, and the listing says it was truncated. */
export const MAX_LIST_DEPTH = 256

/**
 * The entries of the held directory `dir` (workspace path `rel`), sorted by name; depth-first
 * when recursive. Each directory below is opened from its held parent without following a
 * link, so a directory the agent swaps for a symlink meanwhile is skipped, never listed. Names
 * are read as bytes: one that is not UTF-8 is listed with U+FFFD for its bad bytes.
 */
export async function listEntries(rel: string, dir: HeldDir, recursive: boolean): Promise<{ entries: FileEntry[]; truncated: boolean }> {
  const entries: FileEntry[] = []
  let complete = true
  const walk = async (dirRel: string, held: HeldDir, depth: number): Promise<boolean> => {
    const names: Array<{ name: string; raw: Buffer }> = []
    for (const raw of await readdir(held.path, { encoding: 'buffer' })) {
      const name = raw.toString('utf8')
      if (!UPLOAD_TEMP.test(name)) names.push({ name, raw })
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : Buffer.compare(a.raw, b.raw)))
    for (const { name, raw } of names) {
      if (entries.length >= MAX_LIST_ENTRIES) return false
      const childRel = dirRel === '.' ? name : `${dirRel}/${name}`
      let stats: Stats
      try {
        stats = await lstat(held.at(raw))
      } catch {
        continue // removed meanwhile
      }
      entries.push(entryOf(childRel, stats))
      if (!recursive || !stats.isDirectory()) continue
      if (depth >= MAX_LIST_DEPTH) {
        complete = false
        continue
      }
      let child: HeldDir
      try {
        child = await held.child(raw)
      } catch (err) {
        if (fsError(err, childRel) === err) throw err // removed, or replaced by a link meanwhile: skip it
        continue
      }
      try {
        if (!(await walk(childRel, child, depth + 1))) return false
      } catch (err) {
        if (fsError(err, childRel) === err) throw err // removed meanwhile: skip it
      } finally {
        await child.close()
      }
    }
    return true
  }
  try {
    if (!(await walk(rel, dir, 0))) complete = false
    return { entries, truncated: !complete }
  } catch (err) {
    throw fsError(err, rel)
  }
}
