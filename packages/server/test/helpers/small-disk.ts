// A real small disk for tests: a tmpfs of a few MB mounted on a temp dir (the tests run as
// root, as CI does), filled up to make every write fail with ENOSPC / SQLITE_FULL, emptied again.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SmallDisk {
  dir: string
  /** Takes every free byte (a file of what is left). */
  fill(): void
  /** Gives the bytes back. */
  empty(): void
  unmount(): void
}

export function mountSmallDisk(megabytes = 4): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'cas-small-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir])
  const filler = join(dir, 'filler')
  return {
    dir,
    fill() {
      try {
        writeFileSync(filler, Buffer.alloc(megabytes * 1024 * 1024))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      }
    },
    empty: () => rmSync(filler, { force: true }),
    unmount() {
      execFileSync('umount', ['-l', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
