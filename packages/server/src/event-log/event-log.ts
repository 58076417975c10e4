// Every event a session emits goes through the log first, which gives it its sequence number;
// only then is it sent to clients. Kept behind this interface so a durable store can replace
// the in-memory one without touching sessions.
import type { ErrorFrame, InfoFrame, SdkMessageFrame } from '@claude-agent/protocol'

type WithoutSeq<T> = Omit<T, 'seq'>
/** A session event as emitted, before the log numbers it. */
export type EventFrame = WithoutSeq<SdkMessageFrame> | WithoutSeq<ErrorFrame> | WithoutSeq<InfoFrame>
/** A session event as stored and sent: numbered. */
export type SequencedFrame = EventFrame & { seq: number }

export interface StoredEvent {
  sessionId: string
  /** 1, 2, 3, ... per session, without gaps. */
  seq: number
  /** Epoch milliseconds. */
  at: number
  frame: SequencedFrame
}

export interface EventLog {
  append(sessionId: string, frame: EventFrame): StoredEvent
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  read(sessionId: string, afterSeq: number, limit: number): StoredEvent[]
  lastSeq(sessionId: string): number
}
