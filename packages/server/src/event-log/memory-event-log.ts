// An in-memory EventLog that keeps the most recent events of each session.
import type { EventFrame, EventLog, StoredEvent } from './event-log.js'

export class MemoryEventLog implements EventLog {
  private readonly sessions = new Map<string, { last: number; events: StoredEvent[] }>()

  /** @param retain events kept per session; older ones are dropped. */
  constructor(private readonly retain = 10_000) {}

  append(sessionId: string, frame: EventFrame): StoredEvent {
    let entry = this.sessions.get(sessionId)
    if (!entry) this.sessions.set(sessionId, (entry = { last: 0, events: [] }))
    const seq = ++entry.last
    const event: StoredEvent = { sessionId, seq, at: Date.now(), frame: { ...frame, seq } }
    entry.events.push(event)
    if (entry.events.length > this.retain) entry.events.splice(0, entry.events.length - this.retain)
    return event
  }

  read(sessionId: string, afterSeq: number, limit: number): StoredEvent[] {
    const events = this.sessions.get(sessionId)?.events ?? []
    return events.filter((e) => e.seq > afterSeq).slice(0, limit)
  }

  lastSeq(sessionId: string): number {
    return this.sessions.get(sessionId)?.last ?? 0
  }
}
