// Whether a process id is taken by a live process: signal 0 tests without sending anything
// (EPERM: it lives, as another user's). Used to tell a dead server's leftovers from a live one's.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
