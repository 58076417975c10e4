// Keeps what a WebSocket client has not taken yet bounded. A client may stay over its buffer
// limit for graceMs (a large frame takes a moment to drain), never grow past HARD_LIMIT_FACTOR
// times the limit; past either it is cut off. During a replay the sender waits for room,
// learned from ws's send callbacks (public API), instead of filling the buffer.
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/** The bound on memory per client, as a multiple of the limit. */
const HARD_LIMIT_FACTOR = 4

export interface BackpressureOptions {
  /** Unsent bytes a client may have. */
  limit: number
  /** How long it may stay over the limit, or make no progress during a replay. */
  graceMs: number
  /** Called once, when the client is cut off; says why. */
  onCutOff: (why: string) => void
  /** The socket the upgrade handed over (ws writes to it): corked, a burst of frames leaves
   * in a few writes instead of one each. Every tick's frames are corked into one write: a
   * turn's events arrive a few to a tick, and a write (a syscall) per frame was the largest
   * part of the server's CPU per turn. */
  transport?: Duplex | undefined
}

export class Backpressure {
  private behindSince = 0
  private cut = false
  /** The replay waiting for room, told at each completed write. */
  private roomWaiter: (() => void) | undefined
  /** One callback for every send: no allocation per frame. */
  private readonly written = (): void => this.roomWaiter?.()
  /** This tick's frames are corked; they leave together once the tick's callbacks have run. */
  private tickHeld = false
  private readonly releaseTick = (): void => {
    this.tickHeld = false
    this.options.transport?.uncork()
  }

  constructor(
    private readonly socket: WebSocket,
    private readonly options: BackpressureOptions,
  ) {}

  /** The socket is open and the client was not cut off. */
  get open(): boolean {
    return !this.cut && this.socket.readyState === this.socket.OPEN
  }

  /** Sends the text unless the client is gone or falls too far behind (then it is cut off). */
  send(text: string): boolean {
    if (!this.open || !this.keepsUp()) return false
    this.holdTick()
    this.socket.send(text, this.written)
    return true
  }

  /** Corks the transport until the event loop's check phase: whatever else this tick sends
   * (the next SDK message in the same chunk of CLI output, other frames) joins the write. */
  private holdTick(): void {
    const { transport } = this.options
    if (!transport || this.tickHeld) return
    this.tickHeld = true
    transport.cork()
    setImmediate(this.releaseTick)
  }

  cutOff(why: string): void {
    if (this.cut) return
    this.cut = true
    this.options.onCutOff(why)
  }

  holdWrites(): void {
    this.options.transport?.cork()
  }

  flushWrites(): void {
    this.options.transport?.uncork()
  }

  /** Under half the limit unsent: a replay may send more. */
  hasRoom(): boolean {
    return this.socket.bufferedAmount <= this.options.limit / 2
  }

  /** Waits until the client has taken most of what was sent, at most graceMs (then it is cut
   * off); false if it was cut off or left. */
  async waitForRoom(): Promise<boolean> {
    if (this.open && !this.hasRoom()) {
      const progressed = await new Promise<boolean>((resolve) => {
        const done = (result: boolean) => {
          clearTimeout(timer)
          this.roomWaiter = undefined
          this.socket.off('close', onClose)
          resolve(result)
        }
        const onClose = () => done(false)
        const timer = setTimeout(() => done(this.hasRoom()), this.options.graceMs)
        this.roomWaiter = () => {
          if (this.hasRoom()) done(true)
        }
        this.socket.once('close', onClose)
      })
      if (!progressed && this.socket.readyState === this.socket.OPEN)
        this.cutOff(`no progress for ${this.options.graceMs} ms during replay`)
    }
    return this.open
  }

  /** Whether the client keeps up; cuts it off when it has been over the limit too long, or far over. */
  private keepsUp(): boolean {
    const { limit, graceMs } = this.options
    const buffered = this.socket.bufferedAmount
    if (buffered <= limit) {
      this.behindSince = 0
      return true
    }
    const tooLong = `over ${limit} bytes unsent for ${graceMs} ms`
    if (buffered > limit * HARD_LIMIT_FACTOR) this.cutOff(`${buffered} bytes unsent, over ${HARD_LIMIT_FACTOR}x the limit of ${limit}`)
    else if (this.behindSince === 0) {
      this.behindSince = Date.now()
      // Checked again once the grace is over, in case nothing else is sent meanwhile.
      setTimeout(() => {
        if (this.behindSince !== 0 && Date.now() - this.behindSince >= graceMs && this.socket.bufferedAmount > limit) this.cutOff(tooLong)
      }, graceMs).unref()
    } else if (Date.now() - this.behindSince >= graceMs) this.cutOff(tooLong)
    return !this.cut
  }
}
