// Checkpoints the SQLite WAL on a worker thread, on its own connection. SQLite's automatic
// checkpoint runs inside the commit that takes the WAL past 1000 pages and, with
// synchronous=NORMAL, syncs the WAL and the database file there: 5-10 ms on a disk, during
// which the event loop, so every session, waits; on a warm turn that was about one commit in
// 300 (a turn makes ~6). Here the main connection never checkpoints; every so many commits it
// asks the worker for a passive checkpoint, which copies what no reader needs while writers
// go on. If the worker fails, the main connection checkpoints as before.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

/** SQLite's own default, in pages. */
const AUTOCHECKPOINT_PAGES = 1000

/** CommonJS run by the worker: plain code, so it runs the same from the build and from source. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.sqlite)
const db = new Database(workerData.path, { fileMustExist: true, timeout: 5000 })
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close()
    return parentPort.close()
  }
  const [result] = db.pragma('wal_checkpoint(PASSIVE)')
  parentPort.postMessage(result)
})
`

export interface CheckpointResult {
  /** 1 when another connection held a lock the checkpoint needed. */
  busy: number
  /** Frames in the WAL. */
  log: number
  /** Frames copied into the database file. */
  checkpointed: number
}

export class WalCheckpointer {
  private worker: Worker | undefined
  private failed = false
  private commits = 0
  private closed = false

  /**
   * @param everyCommits how many commits between two checkpoints: ~3 pages a commit on a
   *   warm turn, so the default keeps the WAL near SQLite's own 1000 pages.
   * @param onCheckpoint told each checkpoint's result (tests).
   */
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly everyCommits = 300,
    private readonly onCheckpoint?: (result: CheckpointResult) => void,
  ) {
    db.pragma('wal_autocheckpoint = 0')
  }

  /** Called after each commit of the main connection. */
  committed(): void {
    if (this.failed || this.closed || ++this.commits < this.everyCommits) return
    this.commits = 0
    this.start().postMessage('checkpoint')
  }

  /** The worker is started at the first checkpoint: a store that never gets there costs no thread. */
  private start(): Worker {
    if (this.worker) return this.worker
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
    const worker = new Worker(WORKER, { eval: true, workerData: { path: this.path, sqlite } })
    worker.unref()
    worker.on('message', (result: CheckpointResult) => this.onCheckpoint?.(result))
    worker.on('error', () => this.fallBack())
    worker.on('exit', () => {
      if (!this.closed) this.fallBack()
    })
    return (this.worker = worker)
  }

  /** The worker is gone: the main connection checkpoints again, so the WAL stays bounded. */
  private fallBack(): void {
    if (this.failed || this.closed) return
    this.failed = true
    this.worker = undefined
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
  }

  /** Stops the worker (its connection closed) before the main connection closes, which then
   * checkpoints what is left, as the last connection does. */
  async close(): Promise<void> {
    this.closed = true
    const worker = this.worker
    this.worker = undefined
    if (!worker) return
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage('close')
    // A checkpoint stuck on the disk does not hold the shutdown.
    const stuck = setTimeout(() => void worker.terminate(), 10_000)
    await exited
    clearTimeout(stuck)
  }
}
