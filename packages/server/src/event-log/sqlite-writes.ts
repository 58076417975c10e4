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
  /** Made once: better-sqlite3's transaction() builds four wrappers and their properties on
   * every call, which cost more CPU than the group's SQL when made per commit and per write. */
  private readonly inTransaction: (group: Group, outcomes: Outcome[]) => void
  /** Nested inside the group's transaction, a savepoint: a failing write rolls back alone. */
  private readonly inSavepoint: (write: Write) => unknown

  /** @param onCommit told after each commit of a group (the WAL's checkpointer counts them) */
  constructor(
    private readonly db: Database.Database,
    private readonly onCommit?: () => void,
  ) {
    this.inSavepoint = db.transaction((write: Write) => write())
    this.inTransaction = db.transaction((group: Group, outcomes: Outcome[]) => this.runAll(group, outcomes))
  }

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
      this.onCommit?.()
    } catch (err) {
      // The commit itself failed (disk full, I/O): nothing of the group is stored.
      outcomes = allFailed(group, err)
    } finally {
      this.running = false
    }
    this.batch.settle(group, outcomes)
  }

  private runAll(group: Group, outcomes: Outcome[]): void {
    if (group.length === 1) return void outcomes.push({ ok: true, value: group[0]!.work() })
    for (const { work: write } of group) {
      try {
        outcomes.push({ ok: true, value: this.inSavepoint(write) })
      } catch (err) {
        outcomes.push({ ok: false, err })
      }
    }
  }

  private commit(group: Group): Outcome[] {
    const outcomes: Outcome[] = []
    try {
      this.inTransaction(group, outcomes)
    } catch (err) {
      // Last write first, as a rollback does: each undo puts back what was there before its
      // write (three appends to one session undone in call order would leave its seq at the
      // second, and the next append would skip two).
      for (let i = outcomes.length - 1; i >= 0; i--) {
        const outcome = outcomes[i]!
        if (outcome.ok) group[i]!.hooks.undo?.(outcome.value)
      }
      throw err
    }
    return outcomes
  }
}
