// The directory holding the per-run proxy sockets: short (Unix socket paths are limited to
// ~107 bytes, so not under a possibly long data dir), private (0700), named after the server's
// pid so that one left behind by a killed server is removed by the next start.
import { isAlive } from '../process-alive.js'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeTreeSync } from '../remove-tree.js'

const PREFIX = 'cas-sandbox-'

/** Creates this server's run directory, first removing those of servers no longer running. */
export function createRunDir(base: string = tmpdir()): string {
  for (const name of readdirSync(base)) {
    const pid = Number(/^cas-sandbox-(\d+)-/.exec(name)?.[1])
    if (pid && pid !== process.pid && !isAlive(pid)) removeTreeSync(join(base, name))
  }
  return mkdtempSync(join(base, `${PREFIX}${process.pid}-`))
}
