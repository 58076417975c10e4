// Who the store tells of each durable append (webhooks), the same for every store.
import type { AppendObserver, EventFrame, StoredEvent } from './event-log.js'

export class AppendObservers {
  private readonly observers = new Set<AppendObserver>()

  /** Returns the way to stop. */
  add(observer: AppendObserver): () => void {
    this.observers.add(observer)
    return () => this.observers.delete(observer)
  }

  /** Observers never throw (AppendObserver); one that does is not let stop the others. */
  tell(event: StoredEvent, frame: EventFrame): void {
    for (const observe of this.observers) {
      try {
        observe(event, frame)
      } catch {
        // An observer guards and logs its own failures.
      }
    }
  }
}
