// Removes a directory tree however deep. Node's rm walks it by absolute paths and fails past
// PATH_MAX (ENAMETOOLONG), which an agent can nest its workspace, HOME or /tmp beyond in a few
// `mkdir`s; coreutils' rm walks relative to each directory it opens and removes any depth.
import { execFile, execFileSync } from 'node:child_process'
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
