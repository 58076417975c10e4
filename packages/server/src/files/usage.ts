// How many bytes a session's directory holds: apparent file sizes, symlinks not followed, each
// hard link counted once. One function for "the session's directory" whatever the layout
// (the workspace root, or a directory per session), for the files API and the session's info.
import { lstatSync, readdirSync, type Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

type Seen = Set<string>

function sizeOf(stats: Stats, seen: Seen): number {
  if (stats.isDirectory() || stats.isSymbolicLink()) return 0
  if (stats.nlink > 1) {
    const key = `${stats.dev}:${stats.ino}`
    if (seen.has(key)) return 0
    seen.add(key)
  }
  return stats.size
}

/** Bytes under `dir` (0 when it does not exist); entries vanishing meanwhile are skipped. */
export async function directoryUsage(dir: string, seen: Seen = new Set()): Promise<number> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return 0
  }
  let total = 0
  for (const name of names) {
    const path = join(dir, name)
    const stats = await lstat(path).catch(() => undefined)
    if (!stats) continue
    total += stats.isDirectory() ? await directoryUsage(path, seen) : sizeOf(stats, seen)
  }
  return total
}

/** directoryUsage, synchronously (for a first answer that cannot wait). */
export function directoryUsageSync(dir: string, seen: Seen = new Set()): number {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  let total = 0
  for (const name of names) {
    const path = join(dir, name)
    let stats: Stats
    try {
      stats = lstatSync(path)
    } catch {
      continue
    }
    total += stats.isDirectory() ? directoryUsageSync(path, seen) : sizeOf(stats, seen)
  }
  return total
}

const FRESH_MS = 5_000

/** The last measured usage of each directory, measured again in the background when older than
 * a few seconds, so that listing sessions never walks their trees on the request's path. */
export class UsageCache {
  private readonly known = new Map<string, { bytes: number; at: number; measuring: boolean }>()

  /** The usage of `dir` as last measured (measured now the first time). */
  get(dir: string): number {
    const entry = this.known.get(dir)
    if (!entry) {
      const bytes = directoryUsageSync(dir)
      this.known.set(dir, { bytes, at: Date.now(), measuring: false })
      return bytes
    }
    if (!entry.measuring && Date.now() - entry.at > FRESH_MS) {
      entry.measuring = true
      void directoryUsage(dir).then((bytes) => this.known.set(dir, { bytes, at: Date.now(), measuring: false }))
    }
    return entry.bytes
  }

  /** A measurement taken elsewhere (the files API measures before each write). */
  set(dir: string, bytes: number): void {
    this.known.set(dir, { bytes, at: Date.now(), measuring: false })
  }
}
