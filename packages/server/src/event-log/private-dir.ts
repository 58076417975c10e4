// DATA_DIR is the server's alone: the database (every conversation, the keys posted in session
// configs), the sessions' state and the named sessions' workspaces are below it. Made with the
// usual umask it was 0755 and the database 0644, readable by every local user. And a server
// running as root runs its sandboxes as root mapped to the host's root: a command there can
// leave a setuid-root program in its workspace (nothing inside can stop a chmod), which any
// local user who could reach the file ran as root. With DATA_DIR 0700 nothing below it is
// reachable but by the server's own user, whatever the modes of what is inside.
import { chmodSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from '../logger.js'

/** `dir` made if missing: its parents as usual, itself 0700 (never open to others for a moment). */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true })
  try {
    mkdirSync(dir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

/** `dir` made (if missing) and tightened to 0700 (if others could reach it). A directory the
 * server does not own cannot be tightened: that is said, and the start goes on. */
export function makePrivateDir(dir: string, logger: Logger): void {
  mkdirPrivate(dir)
  const mode = statSync(dir).mode & 0o777
  if ((mode & 0o077) === 0) return
  try {
    chmodSync(dir, mode & 0o700)
    logger.info(`DATA_DIR ${dir}: mode ${mode.toString(8)} let other users in; made ${(mode & 0o700).toString(8)}`)
  } catch (err) {
    logger.warn(
      `DATA_DIR ${dir} is mode ${mode.toString(8)} and cannot be made private (${(err as NodeJS.ErrnoException).code}): ` +
        "other users may read the database and run what the sessions' commands leave in their workspaces; chmod 700 it",
    )
  }
}
