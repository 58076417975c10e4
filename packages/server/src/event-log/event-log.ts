// Persistence behind two small interfaces. Every event a session emits goes through the log
// first, which numbers it; only then is it sent to clients. Sessions are records beside it.
import type {
  ErrorFrame,
  InfoFrame,
  PermissionRequestFrame,
  PermissionResolvedFrame,
  SdkMessageFrame,
  SessionConfig,
  SessionState,
  SessionStateFrame,
} from '@claude-agent/protocol'

type WithoutSeq<T> = Omit<T, 'seq'>
/** A session event as emitted, before the log numbers it. */
export type EventFrame =
  | WithoutSeq<SdkMessageFrame>
  | WithoutSeq<ErrorFrame>
  | WithoutSeq<InfoFrame>
  | WithoutSeq<SessionStateFrame>
  | WithoutSeq<PermissionRequestFrame>
  | WithoutSeq<PermissionResolvedFrame>
/** A session event as stored and sent: numbered. */
export type SequencedFrame = EventFrame & { seq: number }

export interface StoredEvent {
  sessionId: string
  /** 1, 2, 3, ... per session, without gaps. */
  seq: number
  /** Epoch milliseconds. */
  at: number
  /** The frame as JSON text, serialized once and sent as is to every client. */
  text: string
}

export interface EventLog {
  append(sessionId: string, frame: EventFrame): StoredEvent
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  read(sessionId: string, afterSeq: number, limit: number): StoredEvent[]
  /** Like read, only events whose type is one of `types`. */
  readTypes(sessionId: string, types: readonly EventFrame['type'][], afterSeq: number, limit: number): StoredEvent[]
  lastSeq(sessionId: string): number
}

/** A session as persisted. Secrets are never stored: `config` has them removed. */
export interface SessionRecord {
  id: string
  conversationId: string
  createdAt: string
  config: SessionConfig
  state: SessionState
  /** Tools a client allowed "for the rest of the session". */
  allowedTools: string[]
}

export interface SessionStore {
  /** Throws SESSION_EXISTS when the id is taken. */
  insertSession(record: SessionRecord): void
  getSession(id: string): SessionRecord | undefined
  listSessions(): SessionRecord[]
  updateSessionState(id: string, state: SessionState): void
  updateSessionConfig(id: string, config: SessionConfig): void
  updateAllowedTools(id: string, tools: string[]): void
  /** Removes the session and its whole history. */
  deleteSession(id: string): void
}

/** Prompt uuids each session has run, kept for the life of the session (deleted with it). */
export interface PromptLog {
  /** Records a uuid; false when the session already had it. */
  rememberPrompt(sessionId: string, uuid: string): boolean
  hasPrompt(sessionId: string, uuid: string): boolean
}

export interface Store extends EventLog, SessionStore, PromptLog {
  close(): void
}
