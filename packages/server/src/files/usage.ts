// How many bytes a session's directory holds: apparent file sizes, symlinks not followed, each
// hard link counted once. One function for "the session's directory" whatever the layout
// (the workspace root, or a directory per session), for the files API and the session's info.
// Node reaches entries by absolute path and fails past PATH_MAX (ENAMETOOLONG), which an agent
// can nest a tree beyond in a few `mkdir`s; such a subtree is measured by find(1) from its
// parent directory (find walks relative to each directory it opens), not counted as 0.
import { execFile, execFileSync } from 'node:child_process'
import { lstatSync, readdirSync, type Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

type Seen = Set<string>

const tooDeep = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENAMETOOLONG'

function sizeOf(stats: Stats, seen: Seen): number {
  if (stats.isDirectory() || stats.isSymbolicLink()) return 0
  return once(stats.nlink, `${stats.dev}:${stats.ino}`, stats.size, seen)
}

function once(links: number, key: string, size: number, seen: Seen): number {
  if (links > 1) {
    if (seen.has(key)) return 0
    seen.add(key)
  }
  return size
}

// find prints, for each non-directory, non-symlink entry: device:inode, link count, size.
const findArgs = (name: string) => ['-P', `./${name}`, '!', '-type', 'd', '!', '-type', 'l', '-printf', '%D:%i %n %s\\n']

function sumFound(output: string, seen: Seen): number {
  let total = 0
  for (const line of output.split('\n')) {
    const [key, links, size] = line.split(' ')
    if (key && links && size) total += once(Number(links), key, Number(size), seen)
  }
  return total
}

/** Bytes under `parent/name` when that path is past PATH_MAX (0 when find cannot tell). */
async function deepUsage(parent: string, name: string, seen: Seen): Promise<number> {
  const found = await promisify(execFile)('find', findArgs(name), { cwd: parent, maxBuffer: 256 * 1024 ** 2 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  )
  return sumFound(found.stdout, seen)
}

function deepUsageSync(parent: string, name: string, seen: Seen): number {
  let output: string
  try {
    output = execFileSync('find', findArgs(name), {
      cwd: parent,
      maxBuffer: 256 * 1024 ** 2,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? '')
  }
  return sumFound(output, seen)
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
    let stats: Stats | undefined
    try {
      stats = await lstat(path)
    } catch (err) {
      if (tooDeep(err)) total += await deepUsage(dir, name, seen)
      continue
    }
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
    } catch (err) {
      if (tooDeep(err)) total += deepUsageSync(dir, name, seen)
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
