// A set of callbacks where one that throws cannot stop the others or the client's own work.

export class Listeners<T> {
  private readonly handlers = new Set<(value: T) => void>()

  get size(): number {
    return this.handlers.size
  }

  /** Returns the unsubscribe function. */
  add(handler: (value: T) => void): () => void {
    this.handlers.add(handler)
    return () => {
      this.handlers.delete(handler)
    }
  }

  /** Call every handler (a snapshot, so handlers may unsubscribe); `onThrow` gets what one throws. */
  emit(value: T, onThrow: (error: unknown) => void): void {
    for (const handler of [...this.handlers]) {
      try {
        handler(value)
      } catch (error) {
        onThrow(error)
      }
    }
  }
}
