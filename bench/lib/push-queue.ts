// An async iterable fed by push() that stays open until closed: the SDK's streaming-input mode
// reads prompts from it (the server uses the same shape, packages/server/src/agent/push-queue.ts).
export class PushQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = []
  private waiter: ((result: IteratorResult<T>) => void) | null = null
  private closed = false

  push(item: T): void {
    if (this.closed) throw new Error('PushQueue is closed')
    const waiter = this.waiter
    this.waiter = null
    if (waiter) waiter({ value: item, done: false })
    else this.items.push(item)
  }

  close(): void {
    this.closed = true
    const waiter = this.waiter
    this.waiter = null
    if (waiter && this.items.length === 0) waiter({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift()
        if (item !== undefined) return Promise.resolve({ value: item, done: false })
        if (this.closed) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => (this.waiter = resolve))
      },
      return: () => {
        this.close()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}
