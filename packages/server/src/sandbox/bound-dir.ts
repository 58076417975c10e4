// A directory the sandbox binds writable, opened once it is checked: bwrap mounts it from the
// descriptor (`--bind-fd`), so a link swapped in for it (or for a directory on its way) after
// the check is never followed. Mounting by path, bwrap would follow such a link to any host
// directory, read-write.
import { closeSync, constants, openSync, realpathSync } from 'node:fs'

/**
 * The directory at the real path `path` (as the caller checked it), open; throws when what is
 * there now is not it (a link at its place or on the way there).
 */
export function openCheckedDir(path: string): number {
  const changed = () =>
    new Error(
      `the directory ${path} changed while the sandbox was set up (it is no longer that real path: a link was swapped in); not started`,
    )
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
  } catch {
    throw changed()
  }
  // What the descriptor is, whatever the path says by now.
  let opened: string | undefined
  try {
    opened = realpathSync(`/proc/self/fd/${fd}`)
  } catch {
    opened = undefined
  }
  if (opened !== path) {
    closeSync(fd)
    throw changed()
  }
  return fd
}

/** Closes descriptors the run owned; one already closed is no matter. */
export function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd)
    } catch {
      // closed already
    }
  }
}
