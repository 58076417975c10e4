// Removes a directory tree however deep. Node's rm walks it by absolute paths and fails past
// PATH_MAX (ENAMETOOLONG), which an agent can nest its workspace, HOME or /tmp beyond in a few
// `mkdir`s; coreutils' rm walks relative to each directory it opens and removes any depth.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { promisify } from 'node:util'

const tooDeep = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENAMETOOLONG'

/** `path` and all under it gone (nothing there is fine). */
export function removeTreeSync(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true })
  } catch (err) {
    if (!tooDeep(err)) throw err
    execFileSync('rm', ['-rf', '--', path], { stdio: 'ignore' })
  }
}

/** removeTreeSync without blocking: the files API's recursive delete. */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true })
  } catch (err) {
    if (!tooDeep(err)) throw err
    await promisify(execFile)('rm', ['-rf', '--', path])
  }
}

/** rm's tries at a tree something keeps writing into before giving up. */
const RM_TRIES = 3

/**
 * Removes `name` (and all under it) from the open directory `dirFd`, by coreutils' rm, which
 * walks relative to each directory it opens and never follows a link: a directory inside that
 * the agent swaps for a symlink while the tree is removed is unlinked as a link, never removed
 * through (Node's rm walks by paths and would follow it out). The parent is handed over as
 * the child's fd 3, so not even the path to the tree is looked up again. A tree that gains
 * entries while it is removed is tried again, then fails with ENOTEMPTY.
 */
export async function removeTreeIn(dirFd: number, name: string): Promise<void> {
  for (let tries = 1; ; tries++) {
    const stderr = await rmIn(dirFd, name)
    if (stderr === undefined) return
    const notEmpty = stderr.includes('Directory not empty')
    if (notEmpty && tries < RM_TRIES) continue
    throw Object.assign(new Error(`rm failed: ${stderr}`), notEmpty ? { code: 'ENOTEMPTY' } : {})
  }
}

/** One rm run: undefined once it succeeded, else what it said. */
function rmIn(dirFd: number, name: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('rm', ['-rf', '--', `/proc/self/fd/3/${name}`], { stdio: ['ignore', 'ignore', 'pipe', dirFd] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)))
    child.once('error', reject)
    child.once('close', (code) => resolve(code === 0 ? undefined : stderr.trim()))
  })
}
