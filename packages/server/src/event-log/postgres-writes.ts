// Writes to PostgreSQL, one group at a time and in call order: the writes that arrive while a
// group commits form the next one (a group commit), in one transaction, a run of appends in
// one multi-row INSERT. When a group fails, each of its writes is tried again alone, so a bad
// write fails by itself. Each resolves once its transaction has committed.
import type pg from 'pg'
import { storeCommitted } from '../metrics/metrics.js'
import type { AppendFence, EventFrame, StoredEvent } from './event-log.js'

export interface PendingAppend {
  sessionId: string
  frame: EventFrame
  fence: AppendFence | undefined
}

export interface PgWriteHooks<T> {
  /** Runs after the commit, before the write resolves (append observers). */
  committed?(value: T): void
}

/** How the store writes a run of appends inside the group's transaction. */
export type AppendRun = (client: pg.PoolClient, appends: PendingAppend[]) => Promise<StoredEvent[]>

interface Queued {
  write: ((client: pg.PoolClient) => Promise<unknown>) | undefined
  append: PendingAppend | undefined
  hooks: PgWriteHooks<unknown>
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown }

export class PostgresWrites {
  private queue: Queued[] = []
  private draining = false
  /** Settles once every write queued so far has (a read waits for it: read-your-writes). */
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly pool: pg.Pool,
    private readonly appendRun: AppendRun,
    /** A group failed: what the store holds in memory about these appends may be wrong. */
    private readonly failed: (appends: PendingAppend[]) => void,
  ) {}

  run<T>(write: (client: pg.PoolClient) => Promise<T>, hooks: PgWriteHooks<T> = {}): Promise<T> {
    return this.enqueue(write as (client: pg.PoolClient) => Promise<unknown>, undefined, hooks as PgWriteHooks<unknown>) as Promise<T>
  }

  append(append: PendingAppend, hooks: PgWriteHooks<StoredEvent> = {}): Promise<StoredEvent> {
    return this.enqueue(undefined, append, hooks as PgWriteHooks<unknown>) as Promise<StoredEvent>
  }

  /** Resolves once the writes queued before this call have settled. */
  settled(): Promise<void> {
    return this.tail
  }

  private enqueue(write: Queued['write'], append: PendingAppend | undefined, hooks: PgWriteHooks<unknown>): Promise<unknown> {
    const done = new Promise<unknown>((resolve, reject) => {
      this.queue.push({ write, append, hooks, resolve, reject })
    })
    this.tail = done.then(
      () => undefined,
      () => undefined,
    )
    if (!this.draining) {
      this.draining = true
      queueMicrotask(() => void this.drain())
    }
    return done
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue
      this.queue = []
      const outcomes = await this.commitGroup(group)
      const bad = outcomes.filter((o) => !o.ok).length
      storeCommitted('postgres', outcomes.length - bad, bad)
      group.forEach((queued, i) => settle(queued, outcomes[i]!))
    }
    this.draining = false
  }

  private async commitGroup(group: Queued[]): Promise<Outcome[]> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      return group.map(() => ({ ok: false, err }))
    }
    let broken = false
    try {
      try {
        const values = await this.transaction(client, group)
        return values.map((value) => ({ ok: true, value }))
      } catch (err) {
        this.failed(appendsOf(group))
        if (group.length === 1) return [{ ok: false, err }]
      }
      const outcomes: Outcome[] = []
      for (const queued of group) {
        try {
          outcomes.push({ ok: true, value: (await this.transaction(client, [queued]))[0] })
        } catch (err) {
          this.failed(appendsOf([queued]))
          outcomes.push({ ok: false, err })
        }
      }
      broken = outcomes.some((o) => !o.ok)
      return outcomes
    } finally {
      // A connection that saw a failure may be unusable: the pool makes a fresh one.
      client.release(broken)
    }
  }

  private async transaction(client: pg.PoolClient, group: Queued[]): Promise<unknown[]> {
    await client.query('BEGIN')
    try {
      const values = await this.runAll(client, group)
      await client.query('COMMIT')
      return values
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  }

  /** In order; consecutive appends in one statement. */
  private async runAll(client: pg.PoolClient, group: Queued[]): Promise<unknown[]> {
    const values: unknown[] = []
    for (let i = 0; i < group.length;) {
      const { write } = group[i]!
      if (write) {
        values.push(await write(client))
        i++
        continue
      }
      let end = i
      while (end < group.length && group[end]!.append) end++
      values.push(...(await this.appendRun(client, appendsOf(group.slice(i, end)))))
      i = end
    }
    return values
  }
}

const appendsOf = (group: Queued[]): PendingAppend[] => group.flatMap((q) => (q.append ? [q.append] : []))

function settle(queued: Queued, outcome: Outcome): void {
  if (!outcome.ok) return queued.reject(outcome.err)
  try {
    queued.hooks.committed?.(outcome.value)
  } catch {
    // The hook guards its own work; the write is durable whatever it did.
  }
  queued.resolve(outcome.value)
}
