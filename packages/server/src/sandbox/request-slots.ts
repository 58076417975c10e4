// How many model requests of one run the gateway forwards at once: a budget is checked before
// each request and the usage counted after its answer, so every request in flight when the
// budget is crossed still runs to its end. The CLI runs a few at once; an agent that sends
// hundreds itself (curl in a loop) would overshoot the budget by hundreds of answers. The rest
// wait for a slot, in order.

/** Requests of one run forwarded at once while they are metered; the others wait. */
export const MAX_METERED_REQUESTS = 16

export class RequestSlots {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly size = MAX_METERED_REQUESTS) {}

  /** Resolves once a slot is free, with its release (safe to call more than once). */
  take(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active++
        let released = false
        resolve(() => {
          if (released) return
          released = true
          this.active--
          this.waiting.shift()?.()
        })
      }
      if (this.active < this.size) grant()
      else this.waiting.push(grant)
    })
  }
}
