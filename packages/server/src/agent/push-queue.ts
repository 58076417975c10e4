// An async iterable that stays open until closed, fed by push(). The SDK's streaming-input
// mode reads prompts from it; keeping it open is what lets interrupt() work and lets later
// prompts continue the same conversation. Consumers await; nobody polls.

export class PushQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = []
  private waiter: ((result: IteratorResult<T>) => void) | null = null
  private closed = false

  push(item: T): void {
    if (this.closed) throw new Error('PushQueue is closed')
    if (this.waiter) {
      const resolve = this.waiter
      this.waiter = null
      resolve({ value: item, done: false })
    } else {
      this.items.push(item)
    }
  }

  /** Ends iteration once the buffered items are consumed. */
  close(): void {
    this.closed = true
    if (this.waiter && this.items.length === 0) {
      const resolve = this.waiter
      this.waiter = null
      resolve({ value: undefined, done: true })
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift()
        if (item !== undefined) return Promise.resolve({ value: item, done: false })
        if (this.closed) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => {
          this.waiter = resolve
        })
      },
      return: () => {
        this.close()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}
