// The directories a process of a session gets in its state directory (HOME, the CLI's config,
// TMPDIR). The agent writes there: what it left at one of those names (a file, a link to a
// host path, dangling or not) is removed, never followed, so the next start still works.
import { lstatSync, mkdirSync, rmSync } from 'node:fs'

/** Each path a real directory, made if missing. */
export function ensureStateDirs(paths: readonly string[]): void {
  for (const path of paths) {
    const found = lstatSync(path, { throwIfNoEntry: false })
    // rmSync of a link removes the link itself.
    if (found && !found.isDirectory()) rmSync(path, { force: true })
    mkdirSync(path, { recursive: true })
  }
}
