// Writes to the SQLite file, grouped: the writes made in one tick run together at its end (a
// microtask) in one transaction, each in its own savepoint so that one failing write (a taken
// id) fails alone. A turn's several events and state changes cost one commit, not one each.
// Each write resolves only once its group has committed: durable before anyone is told.
import type Database from 'better-sqlite3'
import { storeCommitted } from '../metrics/metrics.js'

export interface WriteHooks<T> {
  /** Runs after the commit, before the write resolves (append observers). */
  committed?(value: T): void
  /** The group's commit failed after this write ran: undo what it changed in memory. */
  undo?(value: T): void
}

interface Queued {
  write: () => unknown
  hooks: WriteHooks<unknown>
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown }

export class SqliteWrites {
  private queue: Queued[] = []
  private scheduled = false
  private running = false

  constructor(private readonly db: Database.Database) {}

  /** Queues `write` (synchronous SQL) for this tick's group; resolves with its result once committed. */
  run<T>(write: () => T, hooks: WriteHooks<T> = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, hooks: hooks as WriteHooks<unknown>, resolve: resolve as (value: unknown) => void, reject })
      if (this.scheduled) return
      this.scheduled = true
      queueMicrotask(() => this.flush())
    })
  }

  /** Runs the queued writes now: a read calls this first, so it sees every write made before it. */
  flush(): void {
    if (this.running) return
    this.scheduled = false
    if (!this.db.open) return this.failQueued()
    // Again while the hooks queued more (an append's observer queues its webhook delivery).
    while (this.queue.length > 0) this.commitQueued()
  }

  private commitQueued(): void {
    const group = this.queue
    this.queue = []
    this.running = true
    let outcomes: Outcome[]
    try {
      outcomes = this.commit(group)
    } catch (err) {
      // The commit itself failed (disk full, I/O): nothing of the group is stored.
      outcomes = group.map(() => ({ ok: false, err }))
    } finally {
      this.running = false
    }
    const failed = outcomes.filter((o) => !o.ok).length
    storeCommitted('sqlite', outcomes.length - failed, failed)
    group.forEach((queued, i) => settle(queued, outcomes[i]!))
  }

  private commit(group: Queued[]): Outcome[] {
    const alone = group.length === 1
    const outcomes: Outcome[] = []
    try {
      this.db.transaction(() => {
        for (const { write } of group) {
          if (alone) {
            outcomes.push({ ok: true, value: write() })
            continue
          }
          try {
            // A nested transaction is a savepoint: a failing write rolls back alone.
            outcomes.push({ ok: true, value: this.db.transaction(write)() })
          } catch (err) {
            outcomes.push({ ok: false, err })
          }
        }
      })()
    } catch (err) {
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) group[i]!.hooks.undo?.(outcome.value)
      })
      throw err
    }
    return outcomes
  }

  /** Writes queued after close: they can never run. */
  private failQueued(): void {
    const err = new Error('the database is closed')
    for (const queued of this.queue.splice(0)) queued.reject(err)
  }
}

function settle(queued: Queued, outcome: Outcome): void {
  if (!outcome.ok) return queued.reject(outcome.err)
  try {
    queued.hooks.committed?.(outcome.value)
  } catch {
    // The hook guards its own work; the write is durable whatever it did.
  }
  queued.resolve(outcome.value)
}
