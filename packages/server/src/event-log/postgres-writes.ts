// Writes to PostgreSQL, one group at a time and in call order: the writes that arrive while a
// group commits form the next one (a group commit), in one transaction, a run of appends in
// one multi-row INSERT. When a group fails, each of its writes is tried again alone, so a bad
// write fails by itself. Each resolves once its transaction has committed.
import type pg from 'pg'
import type { AppendFence, EventFrame, StoredEvent } from './event-log.js'
import { beginWithId, CommitInDoubt, commitOutcome, inDoubtFailure } from './postgres-commit-outcome.js'
import { checkOut, type CheckedOut } from './postgres-pool.js'
import { asStoreError, isQueryTimeout } from './postgres-unavailable.js'
import { allFailed, WriteBatcher, type CommitHooks, type Outcome, type Queued } from './write-batcher.js'

export interface PendingAppend {
  sessionId: string
  frame: EventFrame
  fence: AppendFence | undefined
}

/** How the store writes a run of appends inside the group's transaction. */
export type AppendRun = (client: pg.PoolClient, appends: PendingAppend[]) => Promise<StoredEvent[]>

/** A write of its own, or an append (consecutive appends share one INSERT). */
type Work = ((client: pg.PoolClient) => Promise<unknown>) | PendingAppend
type Group = Queued<Work, CommitHooks<unknown>>[]

export class PostgresWrites {
  private readonly batch = new WriteBatcher<Work, CommitHooks<unknown>>('postgres')
  private draining = false
  /** Settles once every write queued so far has (a read waits for it: read-your-writes). */
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly pool: pg.Pool,
    private readonly appendRun: AppendRun,
    /** A group failed: what the store holds in memory about these appends may be wrong. */
    private readonly failed: (appends: PendingAppend[]) => void,
  ) {}

  run<T>(write: (client: pg.PoolClient) => Promise<T>, hooks: CommitHooks<T> = {}): Promise<T> {
    return this.enqueue(write, hooks as CommitHooks<unknown>) as Promise<T>
  }

  append(append: PendingAppend, hooks: CommitHooks<StoredEvent> = {}): Promise<StoredEvent> {
    return this.enqueue(append, hooks as CommitHooks<unknown>) as Promise<StoredEvent>
  }

  /** Resolves once the writes queued before this call have settled. */
  settled(): Promise<void> {
    return this.tail
  }

  private enqueue(work: Work, hooks: CommitHooks<unknown>): Promise<unknown> {
    const done = this.batch.add(work, hooks)
    this.tail = done.then(
      () => undefined,
      () => undefined,
    )
    if (!this.draining) {
      this.draining = true
      queueMicrotask(() => void this.drain())
    }
    return done.catch((err: unknown) => {
      throw err instanceof CommitInDoubt ? inDoubtFailure(err) : asStoreError(err)
    })
  }

  private async drain(): Promise<void> {
    while (this.batch.pending) {
      const group = this.batch.take()
      this.batch.settle(group, await this.commitGroup(group))
    }
    this.draining = false
  }

  private async commitGroup(group: Group): Promise<Outcome[]> {
    let out: CheckedOut
    try {
      out = await checkOut(this.pool)
    } catch (err) {
      return allFailed(group, err)
    }
    let broken = false
    try {
      let inDoubt = false
      try {
        const values = await this.transaction(out.client, group)
        return values.map((value) => ({ ok: true, value }))
      } catch (err) {
        inDoubt = err instanceof CommitInDoubt
        broken ||= inDoubt
        const settled = await this.settledInDoubt(err)
        if (settled?.[0]?.ok !== true) this.failed(appendsOf(group))
        if (settled) return settled
        // A database that did not answer in time would not answer each write alone either:
        // trying them one by one would hold the queue for a timeout each.
        if (isQueryTimeout(err)) {
          broken = true
          return allFailed(group, err)
        }
        if (group.length === 1 && !out.lost && !inDoubt) return [{ ok: false, err }]
      }
      // Each alone, on a live connection: the server may have ended this one (the node was
      // paused inside the transaction), and a fenced write must then hear LEASE_LOST, not that.
      if (out.lost || inDoubt) {
        out.release(true)
        try {
          out = await checkOut(this.pool)
        } catch (err) {
          return allFailed(group, err)
        }
      }
      const outcomes: Outcome[] = []
      for (const queued of group) {
        try {
          outcomes.push({ ok: true, value: (await this.transaction(out.client, [queued]))[0] })
        } catch (err) {
          const settled = (await this.settledInDoubt(err))?.[0]
          if (settled?.ok !== true) this.failed(appendsOf([queued]))
          outcomes.push(settled ?? { ok: false, err })
          if (isQueryTimeout(err)) return [...outcomes, ...allFailed(group.slice(outcomes.length), err)]
          // Its connection is gone: the next one goes on a fresh one.
          if (err instanceof CommitInDoubt) {
            out.release(true)
            try {
              out = await checkOut(this.pool)
            } catch (err) {
              return [...outcomes, ...allFailed(group.slice(outcomes.length), err)]
            }
          }
        }
      }
      broken = outcomes.some((o) => !o.ok)
      return outcomes
    } finally {
      // A connection that saw a failure may be unusable: the pool makes a fresh one.
      out.release(broken)
    }
  }

  private async transaction(client: pg.PoolClient, group: Group): Promise<unknown[]> {
    const id = await beginWithId(client)
    let values: unknown[]
    try {
      values = await this.runAll(client, group)
    } catch (err) {
      // After a timeout the ROLLBACK would wait behind the stuck query; the connection is
      // dropped instead, which rolls the transaction back.
      if (!isQueryTimeout(err)) await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    try {
      await client.query('COMMIT')
    } catch (err) {
      throw new CommitInDoubt(id, values, err)
    }
    return values
  }

  /** For a COMMIT whose answer was lost: its writes' outcomes if it committed after all, or
   * failed if nobody can say (trying them again could write them twice); undefined when they
   * may be tried again (it was rolled back, or the failure was not in the COMMIT). */
  private async settledInDoubt(err: unknown): Promise<Outcome[] | undefined> {
    if (!(err instanceof CommitInDoubt)) return undefined
    const outcome = await commitOutcome(this.pool, err.transactionId)
    if (outcome === 'aborted') return undefined
    return err.values.map((value) => (outcome === 'committed' ? { ok: true, value } : { ok: false, err }))
  }

  /** In order; consecutive appends in one statement. */
  private async runAll(client: pg.PoolClient, group: Group): Promise<unknown[]> {
    const values: unknown[] = []
    for (let i = 0; i < group.length;) {
      const { work } = group[i]!
      if (typeof work === 'function') {
        values.push(await work(client))
        i++
        continue
      }
      let end = i
      while (end < group.length && typeof group[end]!.work !== 'function') end++
      values.push(...(await this.appendRun(client, appendsOf(group.slice(i, end)))))
      i = end
    }
    return values
  }
}

const appendsOf = (group: Group): PendingAppend[] => group.flatMap((q) => (typeof q.work === 'function' ? [] : [q.work]))
