// How many bytes a session's directory holds: apparent file sizes, symlinks not followed, each
// hard link counted once. One function for "the session's directory" whatever the layout
// (the workspace root, or a directory per session), for the files API and the session's info.
// Each directory is opened (never through a link) and its entries reached from it, as bytes:
// an agent can name files with bytes that are not UTF-8 (a name read as a string would not
// find them again) and nest a tree past PATH_MAX in a few `mkdir`s (a path would not reach
// it). Below MAX_DEPTH open levels, find(1) measures the rest from the directory handed to it
// (find walks relative to each directory it opens), so the walk holds a bounded number of fds.
import { spawn } from 'node:child_process'
import { constants, type Stats } from 'node:fs'
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises'
import { createInterface } from 'node:readline'

type Seen = Set<string>

/** Directories held open at once by one walk; deeper ones are left to find(1). */
const MAX_DEPTH = 64
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK

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

/** Bytes under the open directory `fd`, by find(1) (its fd 3): each non-directory,
 *  non-symlink entry as device:inode, link count, size. 0 for what find cannot tell. */
async function foundUsage(fd: number, seen: Seen): Promise<number> {
  // -H: the starting point (a /proc link to the directory) followed, nothing below it.
  const args = ['-H', '/proc/self/fd/3', '-mindepth', '1', '!', '-type', 'd', '!', '-type', 'l', '-printf', '%D:%i %n %s\\n']
  const child = spawn('find', args, { stdio: ['ignore', 'pipe', 'ignore', fd] })
  let total = 0
  const counted = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      const [key, links, size] = line.split(' ')
      if (key && links && size) total += once(Number(links), key, Number(size), seen)
    }
  })()
  await new Promise<void>((resolve) => {
    child.once('error', () => resolve())
    child.once('close', () => resolve())
  })
  await counted.catch(() => undefined)
  return total
}

async function heldUsage(dir: FileHandle, seen: Seen, depth: number): Promise<number> {
  if (depth >= MAX_DEPTH) return foundUsage(dir.fd, seen)
  const at = (name: Buffer) => Buffer.concat([Buffer.from(`/proc/self/fd/${dir.fd}/`), name])
  const names = await readdir(`/proc/self/fd/${dir.fd}`, { encoding: 'buffer' }).catch(() => [])
  let total = 0
  for (const name of names) {
    let stats: Stats
    try {
      stats = await lstat(at(name))
    } catch {
      continue // removed meanwhile
    }
    if (!stats.isDirectory()) total += sizeOf(stats, seen)
    else total += await usageOf(at(name), seen, depth + 1, true)
  }
  return total
}

async function usageOf(path: string | Buffer, seen: Seen, depth: number, noFollow: boolean): Promise<number> {
  const dir = await open(path, DIR_FLAGS | (noFollow ? constants.O_NOFOLLOW : 0)).catch(() => undefined)
  if (!dir) return 0 // gone, or replaced by a link, meanwhile
  try {
    return await heldUsage(dir, seen, depth)
  } finally {
    await dir.close()
  }
}

/** Bytes under `dir` (0 when it does not exist); entries vanishing meanwhile are skipped. */
export function directoryUsage(dir: string): Promise<number> {
  return usageOf(dir, new Set(), 0, false)
}

const FRESH_MS = 5_000

/** The last measured usage of each directory, measured again in the background when older than
 * a few seconds, so that listing sessions never walks their trees on the request's path. */
export class UsageCache {
  private readonly known = new Map<string, { bytes: number; at: number; measuring: boolean }>()

  /** The usage of `dir` as last measured: 0 until its first measurement ends. A request never
   * waits for a walk of a tree (a session list after a start would walk every workspace, on the
   * event loop every session shares); the files API measures before each write itself. */
  get(dir: string): number {
    const entry = this.known.get(dir) ?? { bytes: 0, at: -Infinity, measuring: false }
    this.known.set(dir, entry)
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
