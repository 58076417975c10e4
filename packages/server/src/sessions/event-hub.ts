// A session's events on their way out: each is recorded in the log (which numbers it) before
// any subscriber sees it; the log resolves a session's appends in call order, so subscribers
// get them in seq order. An append the log fails reaches no one as an event: it is logged and
// live subscribers hear a STORE_FAILED error. A subscriber that asks for history gets it first, paced to its own
// rate, then the live stream: this hand-off is the one place that reads the log for clients,
// and it delivers every seq once, in order, with nothing missed between replay and live.
import type { ErrorCode } from '@claude-agent/protocol'
import { PAGE_MAX_SIZE, type AppendFence, type EventFrame, type EventLog, type StoredEvent } from '../event-log/event-log.js'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { eventAppended, eventsReplayed } from '../metrics/metrics.js'

/** Something attached to a session that receives its events (a WebSocket connection). */
export interface Subscriber {
  /** Called once, before any event: the seq delivery starts after, and the log's last seq. */
  opened?(cursor: { after: number; lastSeq: number }): void
  /** A logged event; each seq once, in order (open permission requests of a live-only
   * subscriber come first, and are older than `after`). */
  deliver(event: StoredEvent): void
  /** A live-only frame (a partial message): not logged, no seq; JSON text. Absent when the
   * subscriber takes none (then the frame is not even serialized for it). */
  deliverTransient?(text: string): void
  /** A live-only notice for every client (an event the log failed): no seq; JSON text. */
  deliverNotice?(text: string): void
  /** The session is gone (deleted, moved) or its history could not be read (STORE_FAILED):
   * nothing more comes; the subscriber should close. */
  ended?(code: ErrorCode, message: string): void
  /** Replay pacing: false while the subscriber holds as much as it should for now. */
  hasRoom?(): boolean
  /** Resolves true once it has room again; false when it is gone (replay stops). */
  waitForRoom?(): Promise<boolean>
  /** A burst of replayed events starts / ends: they may leave in one write. */
  holdWrites?(): void
  flushWrites?(): void
  /** Live events piled up beyond `maxPending` while it still replayed. */
  fellBehind?(): void
}

export interface SubscribeOptions {
  /** Replay the events after this seq first; undefined: live only. */
  after?: number | undefined
}

export interface Subscription {
  close(): void
}

const REPLAY_PAGE = 1000
/** Live events a replaying subscriber may have waiting before it is told it fell behind. */
const MAX_PENDING = REPLAY_PAGE * 10

class Attached implements Subscription {
  live: boolean
  closed = false
  private position: number
  private readonly pending: StoredEvent[] = []

  constructor(
    readonly subscriber: Subscriber,
    after: number | undefined,
    lastSeq: number,
    private readonly onClose: (attached: Attached) => void,
  ) {
    this.live = after === undefined
    this.position = after ?? lastSeq
  }

  get after(): number {
    return this.position
  }

  offer(event: StoredEvent): void {
    if (this.closed) return
    if (this.live) this.deliver(event)
    else if (this.pending.push(event) > MAX_PENDING) this.subscriber.fellBehind?.()
  }

  deliver(event: StoredEvent): void {
    if (event.seq <= this.position || this.closed) return
    this.position = event.seq
    this.subscriber.deliver(event)
  }

  /** History in pages, paced by the subscriber; live events arriving meanwhile wait in
   * `pending`. The last page and the switch to live happen in one tick. */
  async replay(log: EventLog, sessionId: string): Promise<void> {
    for (;;) {
      const page = await log.read(sessionId, this.position, REPLAY_PAGE, PAGE_MAX_SIZE)
      if (this.closed) return
      eventsReplayed(page.length)
      const { subscriber } = this
      for (let next = 0; next < page.length;) {
        if (subscriber.hasRoom?.() === false && !(await subscriber.waitForRoom?.())) return
        if (this.closed) return
        subscriber.holdWrites?.()
        do {
          this.deliver(page[next++]!)
        } while (next < page.length && subscriber.hasRoom?.() !== false && !this.closed)
        subscriber.flushWrites?.()
      }
      // A page cut short by its size holds at least PAGE_MAX_SIZE bytes: more may follow.
      if (page.length < REPLAY_PAGE && page.reduce((bytes, e) => bytes + Buffer.byteLength(e.text), 0) < PAGE_MAX_SIZE) break
      await new Promise((r) => setImmediate(r))
      if (this.closed) return
    }
    for (const event of this.pending.splice(0)) this.deliver(event)
    this.live = true
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.pending.length = 0
    this.onClose(this)
  }
}

export interface EventHubOptions {
  sessionId: string
  log: EventLog
  logger: Logger
  /** The session's last seq in the log when it was loaded. */
  lastSeq: number
  /** The permission requests waiting now (a live-only subscriber needs them). */
  openRequests: () => StoredEvent[]
  /** A subscriber left (the session may release its CLI when none is left). */
  onLeave: () => void
  /** The lease appends are made under (cluster mode); none: unfenced. */
  fence?: () => AppendFence | undefined
  /** What the sessions list shows changed: an event was logged, a subscriber came or left. */
  onChange?: () => void
  /** An append was refused because the lease moved (LEASE_LOST): nothing is sent, the session stops here. */
  leaseLost?: () => void
}

export class EventHub {
  private readonly attached = new Set<Attached>()
  private last: number
  /** The session stopped here for good: nothing more is logged. */
  private sealed = false

  constructor(private readonly options: EventHubOptions) {
    this.last = options.lastSeq
  }

  get size(): number {
    return this.attached.size
  }

  /** The last seq logged (and so sent). */
  get lastSeq(): number {
    return this.last
  }

  /** Record an event, then send it to every subscriber (once it is durable). */
  emit(frame: EventFrame): void {
    void this.record(frame)
  }

  /** Like emit; resolves with the event once sent, undefined when the log failed it (logged;
   * live subscribers hear STORE_FAILED) or the hub is sealed. Never rejects. */
  record(frame: EventFrame): Promise<StoredEvent | undefined> {
    const { log, sessionId } = this.options
    if (this.sealed) {
      this.options.logger.debug(`a ${frame.type} event after the session stopped here was not logged`)
      return Promise.resolve(undefined)
    }
    return log.append(sessionId, frame, this.options.fence?.()).then(
      (event) => {
        this.last = Math.max(this.last, event.seq)
        eventAppended()
        for (const attached of this.attached) attached.offer(event)
        this.options.onChange?.()
        return event
      },
      (err: unknown) => {
        this.appendFailed(frame, err)
        return undefined
      },
    )
  }

  /** A frame for live subscribers only, never logged: serialized once, and only when one of
   * them takes it (token events are the most numerous messages a turn has). */
  transient(frame: object): void {
    let text: string | undefined
    for (const { live, closed, subscriber } of this.attached) {
      if (live && !closed && subscriber.deliverTransient) subscriber.deliverTransient((text ??= JSON.stringify(frame)))
    }
  }

  subscribe(subscriber: Subscriber, options: SubscribeOptions = {}): Subscription {
    const attached = new Attached(subscriber, options.after, this.lastSeq, (a) => {
      if (!this.attached.delete(a)) return
      this.options.onLeave()
      this.options.onChange?.()
    })
    this.attached.add(attached)
    this.options.onChange?.()
    subscriber.opened?.({ after: attached.after, lastSeq: this.lastSeq })
    if (attached.live) {
      // A replaying subscriber gets them in the replay.
      for (const request of this.options.openRequests()) if (!attached.closed) subscriber.deliver(request)
    } else {
      attached.replay(this.options.log, this.options.sessionId).catch((err: unknown) => {
        this.options.logger.error(`replay failed: ${err instanceof Error ? err.message : String(err)}`)
        if (attached.closed) return
        attached.close()
        // Attached but never sent anything again, it would wait for good: it reconnects instead.
        subscriber.ended?.('STORE_FAILED', `The session's history could not be read; reconnect with after=${attached.after}`)
      })
    }
    return attached
  }

  /** The session stops here for good (deleted, or moved to another node): what it would still
   * say (a control the stopped CLI answers late) is logged no more. Appended after its rows were
   * deleted, it would open the history of a new session with the same id. */
  seal(): void {
    this.sealed = true
  }

  /** The session is gone: every subscriber hears it, and none is left. */
  endAll(code: ErrorCode, message: string): void {
    const all = [...this.attached]
    this.attached.clear()
    for (const attached of all) {
      attached.closed = true
      attached.subscriber.ended?.(code, message)
    }
  }

  private appendFailed(frame: EventFrame, err: unknown): void {
    if (err instanceof ServerError && err.code === 'LEASE_LOST' && this.options.leaseLost) {
      this.options.logger.warn(`a ${frame.type} event was refused: the session's lease moved to another node`)
      return this.options.leaseLost()
    }
    const why = err instanceof Error ? err.message : String(err)
    this.options.logger.error(`could not log a ${frame.type} event: ${why}`)
    // An error the log cannot hold goes out as it is, unnumbered: what it says (a prompt that
    // did not run, and which) is what the clients here need; another event is only named.
    const text = JSON.stringify(
      frame.type === 'error'
        ? frame
        : {
            type: 'error',
            code: 'STORE_FAILED',
            error: `The server could not record a ${frame.type} event; it was not sent (details in the server log)`,
          },
    )
    for (const attached of this.attached) if (attached.live && !attached.closed) attached.subscriber.deliverNotice?.(text)
  }
}
