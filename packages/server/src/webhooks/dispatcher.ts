// Delivers webhook events, off the sessions' event path: an event a hook wants is one row in
// the database (all `observe` does, queued right after the event's own append), and a pump posts
// the due rows a few at a time, records each attempt, and schedules the next try with backoff.
// Rows pending when the server stops are resumed by the next start.
import { randomUUID } from 'node:crypto'
import type { Delivery, DeliveryAttempt, DeliveryLog } from '../event-log/delivery-log.js'
import type { EventFrame, StoredEvent } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import { MAX_TIMER_MS, retryDelay, type WebhookHook, type WebhookSettings } from './config.js'
import { webhookEventFor, type WebhookEvent } from './events.js'
import { postDelivery } from './post.js'

/** Attempts in flight at once per hook: a receiver that hangs holds up only its own hook. */
const CONCURRENCY = 4
/** Delivered and failed deliveries are kept this long (for the list), then pruned at start. */
const KEEP_FINISHED_MS = 7 * 24 * 3600_000

export interface DispatcherOptions {
  settings: WebhookSettings
  log: DeliveryLog
  logger: Logger
  /** Applied to every body before it is stored: no known secret leaves in one. */
  scrub: (text: string) => string
  /** Who claims a delivery while sending it (cluster mode: the node's id). @default 'local' */
  claimer?: string
  /** Cluster mode: look for due deliveries this often too, so those a node that stopped or
   * died left pending are sent by another. @default only on this server's own events and timers */
  pollMs?: number
}

/** A hook as listed: no secret. */
export interface HookInfo {
  id: string
  url: string
  events: string[]
}

/** A delivery as listed: its event, status and every attempt. */
export interface DeliveryInfo extends Omit<Delivery, 'body'> {
  /** The body as sent (signed); it holds no secret. */
  body: string
  attemptLog: DeliveryAttempt[]
}

export interface WebhookView {
  hooks(): HookInfo[]
  /** The newest first. @param limit @default 100 */
  deliveries(limit?: number): Promise<DeliveryInfo[]>
}

/** A hook's deliveries waiting, as this node counts them. */
interface Backlog {
  /** Counted up as a row is queued (before it is stored), down when it is not or once it ends.
   * In a cluster another node may end this node's rows: read again from the store at each poll. */
  pending: number
  /** Rows queued whose insert has not settled yet (not in the store's count). */
  unstored: number
  /** Drops are logged once per run of them. */
  dropping: boolean
}

export class WebhookDispatcher {
  private readonly hooks: Map<string, WebhookHook>
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly stopping = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private pumpQueued = false
  /** Pumps one at a time: each reads what the one before it recorded. */
  private pumping: Promise<void> = Promise.resolve()
  /** Each hook's own bound: a receiver that is down fills its queue, never another hook's. */
  private readonly backlogs: Map<string, Backlog>

  /** A dispatcher with the old finished rows pruned and the rows of removed hooks failed. */
  static async open(options: DispatcherOptions): Promise<WebhookDispatcher> {
    const dispatcher = new WebhookDispatcher(options)
    await options.log.prune(Date.now() - KEEP_FINISHED_MS)
    for (const [hook, count] of await options.log.pendingByHook()) {
      const backlog = dispatcher.backlogs.get(hook)
      if (backlog) backlog.pending += count
    }
    await dispatcher.failOrphans()
    return dispatcher
  }

  private constructor(private readonly options: DispatcherOptions) {
    this.hooks = new Map(options.settings.hooks.map((h) => [h.id, h]))
    this.backlogs = new Map(options.settings.hooks.map((h) => [h.id, { pending: 0, unstored: 0, dropping: false }]))
  }

  view(): WebhookView {
    const { log } = this.options
    return {
      hooks: () => [...this.hooks.values()].map(({ id, url, events }) => ({ id, url, events: [...events] })),
      deliveries: async (limit = 100) =>
        Promise.all((await log.recent(limit)).map(async (d) => ({ ...d, attemptLog: await log.attempts(d.id) }))),
    }
  }

  /** Begin delivering, the pending rows of an earlier run first. */
  start(): void {
    this.schedulePump()
  }

  /** A logged event (an AppendObserver): queued for every hook that wants it. Never throws. */
  readonly observe = (event: StoredEvent, frame: EventFrame): void => {
    if (this.hooks.size === 0) return
    try {
      const found = webhookEventFor(event, frame)
      if (found) this.enqueue(found)
    } catch (err) {
      this.options.logger.error(`webhooks: could not queue event ${event.seq} of session ${event.sessionId}: ${(err as Error).message}`)
    }
  }

  /** Stop delivering: attempts in flight are abandoned, unrecorded, and resumed by the next start. */
  async stop(): Promise<void> {
    this.stopping.abort()
    clearTimeout(this.timer)
    await Promise.allSettled(this.inFlight.values())
  }

  private enqueue(event: WebhookEvent): void {
    const body = this.options.scrub(JSON.stringify(event))
    for (const hook of this.hooks.values()) {
      if (!hook.events.includes(event.type)) continue
      const backlog = this.backlogs.get(hook.id)!
      if (backlog.pending >= this.options.settings.maxPending) {
        this.dropped(hook, backlog, event)
        continue
      }
      const delivery = { id: `wh_${randomUUID()}`, hook: hook.id, event: event.type, sessionId: event.sessionId, seq: event.seq, body }
      backlog.pending++
      backlog.unstored++
      backlog.dropping = false
      this.options.log.insertDelivery({ ...delivery, createdAt: Date.now() }).then(
        (inserted) => {
          backlog.unstored--
          if (!inserted) backlog.pending--
          this.schedulePump()
        },
        (err: unknown) => {
          backlog.unstored--
          backlog.pending--
          this.options.logger.error(`webhooks: could not queue ${event.type} of session ${event.sessionId}: ${(err as Error).message}`)
        },
      )
    }
  }

  /** Said once per run of a hook's drops, not once per event. */
  private dropped(hook: WebhookHook, backlog: Backlog, event: WebhookEvent): void {
    if (backlog.dropping) return
    backlog.dropping = true
    const max = this.options.settings.maxPending
    this.options.logger.warn(
      `webhooks: hook ${hook.id} has ${max} deliveries pending; dropping ${event.type} of session ${event.sessionId} for it`,
    )
  }

  /** In a later tick: the event's emitter never waits on delivery. */
  private schedulePump(): void {
    if (this.pumpQueued || this.stopping.signal.aborted) return
    this.pumpQueued = true
    setImmediate(() => {
      this.pumpQueued = false
      this.pumping = this.pumping
        .then(() => this.pump())
        .catch((err: unknown) => this.options.logger.error(`webhooks: could not read the pending deliveries: ${(err as Error).message}`))
    })
  }

  private async pump(): Promise<void> {
    if (this.stopping.signal.aborted) return
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.options.pollMs !== undefined) {
      const stored = await this.options.log.pendingByHook()
      for (const [hook, backlog] of this.backlogs) backlog.pending = (stored.get(hook) ?? 0) + backlog.unstored
    }
    const now = Date.now()
    let soonest = this.options.pollMs === undefined ? Infinity : now + this.options.pollMs
    for (const hook of this.hooks.keys()) soonest = Math.min(soonest, await this.pumpHook(hook, now))
    // A try due beyond setTimeout's range (stored before the clock was set back) is looked at again
    // then: a longer delay would fire after 1 ms, and pump every ms until the try is due.
    if (soonest < Infinity && !this.stopping.signal.aborted)
      this.timer = setTimeout(() => this.schedulePump(), Math.min(soonest - now, MAX_TIMER_MS))
  }

  /** Starts the hook's due deliveries, up to CONCURRENCY in flight; the next one's time. A
   * delivery another node claimed is looked at again once its claim would have lapsed. */
  private async pumpHook(hook: string, now: number): Promise<number> {
    const flying = () => [...this.inFlight.keys()].filter((key) => key.startsWith(`${hook} `)).length
    let busy = flying()
    let next = Infinity
    for (const listed of await this.options.log.pending(hook, CONCURRENCY + busy)) {
      const key = `${hook} ${listed.id}`
      if (this.inFlight.has(key)) continue
      if ((listed.nextAt ?? 0) > now) return Math.min(next, listed.nextAt!)
      if (busy >= CONCURRENCY) break
      const delivery = await this.options.log.claim(listed, this.options.claimer ?? 'local', this.claimMs)
      if (!delivery) {
        next = Math.min(next, now + this.claimMs)
        continue
      }
      busy++
      const attempt = this.attempt(delivery)
        .catch((err: unknown) =>
          this.options.logger.error(`webhooks: could not record an attempt of ${delivery.id}: ${(err as Error).message}`),
        )
        .finally(() => {
          this.inFlight.delete(key)
          this.schedulePump()
        })
      this.inFlight.set(key, attempt)
    }
    return next
  }

  /** A claim outlasts an attempt (its post is bounded by the timeout), so a live sender keeps it. */
  private get claimMs(): number {
    return 2 * this.options.settings.timeoutMs + 10_000
  }

  /** Deliveries left for hooks no longer configured: nobody to send them to. */
  private async failOrphans(): Promise<void> {
    for (const hook of await this.options.log.pendingHooks()) {
      if (this.hooks.has(hook)) continue
      const error = `hook "${hook}" is no longer configured`
      for (let batch; (batch = await this.options.log.pending(hook, 1000)).length > 0;) {
        await Promise.all(
          batch.map((d) => this.finish(d, { attempt: d.attempts + 1, at: Date.now(), statusCode: null, error, retryAt: null })),
        )
      }
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { settings, log, logger } = this.options
    const hook = this.hooks.get(delivery.hook)!
    const number = delivery.attempts + 1
    const at = Date.now()
    let outcome
    try {
      outcome = await postDelivery({
        url: hook.url,
        secret: hook.secret,
        delivery,
        attempt: number,
        timeoutMs: settings.timeoutMs,
        signal: this.stopping.signal,
      })
    } catch (err) {
      if (this.stopping.signal.aborted) return
      outcome = { statusCode: null, error: (err as Error).message }
    }
    if (this.stopping.signal.aborted && outcome.error !== null) return
    const error = outcome.error === null ? null : this.options.scrub(outcome.error)
    if (error === null) {
      await this.finish(delivery, { attempt: number, at, statusCode: outcome.statusCode, error: null, retryAt: null })
    } else if (number >= settings.maxAttempts) {
      await this.finish(delivery, { attempt: number, at, statusCode: outcome.statusCode, error, retryAt: null })
      logger.warn(`webhooks: ${delivery.event} ${delivery.id} to hook ${hook.id} failed after ${number} tries: ${error}`)
    } else {
      const retryAt = Date.now() + retryDelay(settings, number)
      await log.recordAttempt(delivery.id, { attempt: number, at, statusCode: outcome.statusCode, error, retryAt }, 'pending')
      logger.debug(
        `webhooks: ${delivery.event} ${delivery.id} to hook ${hook.id}, try ${number}: ${error}; next in ${retryAt - Date.now()} ms`,
      )
    }
  }

  private async finish(delivery: Delivery, attempt: DeliveryAttempt): Promise<void> {
    await this.options.log.recordAttempt(delivery.id, attempt, attempt.error === null ? 'delivered' : 'failed')
    // A hook no longer configured (its rows failed at start) has no bound to count down.
    const backlog = this.backlogs.get(delivery.hook)
    if (backlog) backlog.pending--
  }
}
