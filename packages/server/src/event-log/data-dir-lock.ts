// One server per data directory. Two servers on one DATA_DIR would kill each other's agents
// as orphans and race on the event log's seq numbers, so the server holds an exclusive lock
// for its whole life, taken before it touches anything else there.
// The lock is SQLite's own (fcntl) lock on a small file, held in exclusive locking mode: the
// kernel drops it when the process dies, however it dies, so a SIGKILLed server never blocks
// the next start, and a reused pid cannot fake a live owner. SQLite also refuses a second
// connection in the same process, so two in-process servers are kept apart too.
// Cluster nodes share their DATA_DIR on purpose: each holds the lock shared, so they start
// beside each other, while a server without DATABASE_URL (which would take the sessions
// directory's CLIs for its own orphans and kill them) is refused beside them, and the other way
// round.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdirPrivate } from './private-dir.js'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export const LOCK_FILE = 'server.lock'
/** Who holds the lock, for the message a second server prints. Informational only. */
export const PID_FILE = 'server.pid'

/** A second server found the data directory taken. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | undefined,
  ) {
    super(`DATA_DIR ${dataDir} in use by ${pid === undefined ? 'another server' : `pid ${pid}`}; stop it or choose another DATA_DIR`)
    this.name = 'DataDirInUseError'
  }
}

export interface DataDirLock {
  release(): void
}

function holderPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

export interface LockOptions {
  /** A cluster node: shared with the other nodes, never with a server of its own. */
  shared?: boolean
}

/** The lock file cannot be opened as one (another file in its place): the operator needs its path. */
const notALock = (path: string, err: unknown) =>
  new Error(`${path}: ${(err as Error).message}; it is only a lock: with no server running on this DATA_DIR, remove it`, {
    cause: err,
  })

/** Takes the data directory or throws DataDirInUseError, having changed nothing in it. */
export function lockDataDir(dataDir: string, options: LockOptions = {}): DataDirLock {
  mkdirPrivate(dataDir)
  const path = join(dataDir, LOCK_FILE)
  let db: Database.Database
  try {
    db = new Database(path, { timeout: 0 })
  } catch (err) {
    throw notALock(path, err) // e.g. a directory in its place
  }
  try {
    db.pragma('journal_mode = MEMORY')
    db.pragma('locking_mode = EXCLUSIVE')
    // In this mode a lock once taken is kept until the db closes: a read takes the SHARED
    // lock, the first write the EXCLUSIVE one.
    if (options.shared) db.prepare('SELECT count(*) FROM sqlite_master').get()
    else db.exec('BEGIN EXCLUSIVE; COMMIT')
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir, holderPid(dataDir))
    throw notALock(path, err)
  }
  // Shared: no server of its own holds the directory, so a pid file left is a killed one's.
  if (options.shared) rmSync(join(dataDir, PID_FILE), { force: true })
  else writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`)
  let held = true
  return {
    release() {
      if (!held) return
      held = false
      if (holderPid(dataDir) === process.pid) rmSync(join(dataDir, PID_FILE), { force: true })
      db.close()
    },
  }
}
