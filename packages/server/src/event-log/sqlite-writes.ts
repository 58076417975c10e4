// Writes to the SQLite file, grouped: the writes made in one tick run together at its end (a
// microtask) in one transaction, each in its own savepoint so that one failing write (a taken
// id) fails alone. A turn's several events and state changes cost one commit, not one each.
// Each write resolves only once its group has committed: durable before anyone is told.
import type Database from 'better-sqlite3'
import { allFailed, WriteBatcher, type CommitHooks, type Outcome, type Queued } from './write-batcher.js'

export interface WriteHooks<T> extends CommitHooks<T> {
  /** The group's commit failed after this write ran: undo what it changed in memory. */
  undo?(value: T): void
}

type Write = () => unknown
type Group = Queued<Write, WriteHooks<unknown>>[]

export class SqliteWrites {
  private readonly batch = new WriteBatcher<Write, WriteHooks<unknown>>('sqlite')
  private scheduled = false
  private running = false

  constructor(private readonly db: Database.Database) {}

  /** Queues `write` (synchronous SQL) for this tick's group; resolves with its result once committed. */
  run<T>(write: () => T, hooks: WriteHooks<T> = {}): Promise<T> {
    const done = this.batch.add(write, hooks as WriteHooks<unknown>) as Promise<T>
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
    return done
  }

  /** Runs the queued writes now: a read calls this first, so it sees every write made before it. */
  flush(): void {
    if (this.running) return
    this.scheduled = false
    // Writes queued after close can never run.
    if (!this.db.open) return this.batch.rejectQueued(new Error('the database is closed'))
    // Again while the hooks queued more (an append's observer queues its webhook delivery).
    while (this.batch.pending) this.commitQueued()
  }

  private commitQueued(): void {
    const group = this.batch.take()
    this.running = true
    let outcomes: Outcome[]
    try {
      outcomes = this.commit(group)
    } catch (err) {
      // The commit itself failed (disk full, I/O): nothing of the group is stored.
      outcomes = allFailed(group, err)
    } finally {
      this.running = false
    }
    this.batch.settle(group, outcomes)
  }

  private commit(group: Group): Outcome[] {
    const alone = group.length === 1
    const outcomes: Outcome[] = []
    try {
      this.db.transaction(() => {
        for (const { work: write } of group) {
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
}
