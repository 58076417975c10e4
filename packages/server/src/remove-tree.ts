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

/**
 * Removes `name` (and all under it) from the open directory `dirFd`, by coreutils' rm, which
 * walks relative to each directory it opens and never follows a link: a directory inside that
 * the agent swaps for a symlink while the tree is removed is unlinked as a link, never removed
 * through (Node's rm walks by paths and would follow it out). The parent is handed over as
 * the child's fd 3, so not even the path to the tree is looked up again.
 */
export async function removeTreeIn(dirFd: number, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('rm', ['-rf', '--', `/proc/self/fd/3/${name}`], { stdio: ['ignore', 'ignore', 'pipe', dirFd] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)))
    child.once('error', reject)
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`rm failed (${code}): ${stderr.trim()}`))))
  })
}
