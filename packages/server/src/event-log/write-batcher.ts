// The queue both stores' write groupers keep (sqlite-writes.ts, postgres-writes.ts): each write
// waits in it with its caller's promise; the grouper takes what is queued as one group, commits
// it its own way, and hands back one outcome a write, which settles that write's caller alone.
import { storeCommitted } from '../metrics/metrics.js'

export interface CommitHooks<T> {
  /** Runs after the commit, before the write resolves (append observers). */
  committed?(value: T): void
}

export interface Queued<W, H> {
  work: W
  hooks: H
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

export type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown }

/** The group's commit failed: nothing of it is stored, each write fails with the error. */
export const allFailed = (group: readonly unknown[], err: unknown): Outcome[] => group.map(() => ({ ok: false, err }))

export class WriteBatcher<W, H extends CommitHooks<unknown>> {
  private queue: Queued<W, H>[] = []

  constructor(private readonly store: 'sqlite' | 'postgres') {}

  /** Queues a write; the promise settles with its own outcome once its group is committed. */
  add(work: W, hooks: H): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.queue.push({ work, hooks, resolve, reject })
    })
  }

  get pending(): boolean {
    return this.queue.length > 0
  }

  /** Every write queued so far, as one group; those queued from now on form the next. */
  take(): Queued<W, H>[] {
    const group = this.queue
    this.queue = []
    return group
  }

  /** Counts the group's commit, then settles each write with its outcome (same order as the group). */
  settle(group: Queued<W, H>[], outcomes: Outcome[]): void {
    const failed = outcomes.filter((o) => !o.ok).length
    storeCommitted(this.store, outcomes.length - failed, failed)
    group.forEach((queued, i) => settle(queued, outcomes[i]!))
  }

  /** Writes that can never run (the database is closed): each fails with `err`, uncounted. */
  rejectQueued(err: unknown): void {
    for (const queued of this.take()) queued.reject(err)
  }
}

function settle<H extends CommitHooks<unknown>>(queued: Queued<unknown, H>, outcome: Outcome): void {
  if (!outcome.ok) return queued.reject(outcome.err)
  try {
    queued.hooks.committed?.(outcome.value)
  } catch {
    // The hook guards its own work; the write is durable whatever it did.
  }
  queued.resolve(outcome.value)
}
