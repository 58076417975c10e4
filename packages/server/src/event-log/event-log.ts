// Persistence behind small async interfaces (SQLite in sqlite-store.ts; every method returns a
// Promise so that a networked database fits behind them too). Every event a session emits goes
// through the log first, which numbers it; only once it is durable is it sent to clients.
// Writes keep their call order; a store may group writes made together into one transaction.
import type {
  ErrorFrame,
  InfoFrame,
  PermissionRequestFrame,
  PermissionResolvedFrame,
  Role,
  SdkMessageFrame,
  SessionConfig,
  SessionState,
  SessionStateFrame,
} from '@claude-agent/protocol'
import type { UsageLog } from './usage-log.js'
import type { DeliveryLog } from './delivery-log.js'

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

/** Told of each event once it is durable, before any subscriber sees it; must return at once
 * and never throw (it runs on the session's event path). */
export type AppendObserver = (event: StoredEvent, frame: EventFrame) => void

/** Which lease an append is made under (cluster mode): a store that keeps leases refuses the
 * append when the session's lease is no longer this node's at this epoch. Ignored by SQLite. */
export interface AppendFence {
  node: string
  epoch: number
}

/** About how much of frames a page of history holds (replay, GET /sessions/:id/events). */
export const PAGE_MAX_SIZE = 8 * 1024 * 1024

export interface EventLog {
  /** Numbers the event (the session's last seq + 1) and resolves once it is durable. The
   * appends of one session resolve in call order; one that fails rejects and takes no seq. */
  append(sessionId: string, frame: EventFrame, fence?: AppendFence): Promise<StoredEvent>
  /** Every append from now on, across sessions (webhooks); returns the way to stop. */
  observeAppends(observer: AppendObserver): () => void
  /** Events with seq > afterSeq, oldest first, at most `limit`; with `maxSize`, none more once
   * the page's frames reach that size (one at least), so that a page of large events (a prompt
   * may be 16 MiB) is not `limit` times that in memory. The size is counted in bytes
   * (PostgreSQL) or characters (SQLite), never more than the frames' UTF-8 bytes: a page cut
   * short holds at least `maxSize` bytes. */
  read(sessionId: string, afterSeq: number, limit: number, maxSize?: number): Promise<StoredEvent[]>
  /** Like read, only events whose type is one of `types`. */
  readTypes(sessionId: string, types: readonly EventFrame['type'][], afterSeq: number, limit: number): Promise<StoredEvent[]>
  /** Read from the database when the store cannot know it (another node may have written). */
  lastSeq(sessionId: string): Promise<number>
  /** `lastSeq` of many sessions in one read (a cluster's sessions list); 0 for one without events. */
  lastSeqsOf(sessionIds: readonly string[]): Promise<Map<string, number>>
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
  /** The principal that created it; null: the admins (the default session, and older rows). */
  owner: string | null
  /** Principals it is shared with, read only. */
  readers: string[]
}

export interface SessionStore {
  /** Throws SESSION_EXISTS when the id is taken. */
  insertSession(record: SessionRecord): Promise<void>
  getSession(id: string): Promise<SessionRecord | undefined>
  listSessions(): Promise<SessionRecord[]>
  /** `fence` (cluster mode, on every update below): refused with LEASE_LOST, writing nothing,
   * unless the session's lease is still this one. */
  updateSessionState(id: string, state: SessionState, fence?: AppendFence): Promise<void>
  updateSessionConfig(id: string, config: SessionConfig, fence?: AppendFence): Promise<void>
  updateAllowedTools(id: string, tools: string[], fence?: AppendFence): Promise<void>
  updateReaders(id: string, readers: string[], fence?: AppendFence): Promise<void>
  /** Removes the session and its whole history; under a `fence` (cluster mode) only while the
   * lease is still this one, else LEASE_LOST and nothing deleted. */
  deleteSession(id: string, fence?: AppendFence): Promise<void>
}

/** Prompt uuids each session has run, kept for the life of the session (deleted with it). */
export interface PromptLog {
  /** Records a uuid; false when the session already had it. */
  /** `fence` (cluster mode): refused with LEASE_LOST, recording nothing, unless the session's
   * lease is still this one (a node that lost it must not mark a prompt as run). */
  rememberPrompt(sessionId: string, uuid: string, fence?: AppendFence): Promise<boolean>
  hasPrompt(sessionId: string, uuid: string): Promise<boolean>
}

/** One audit entry: who did what, when, from where (see audit/audit-log.ts). */
export interface AuditRecord {
  id: number
  /** Epoch milliseconds. */
  at: number
  principal: string
  action: string
  sessionId: string | undefined
  remote: string | undefined
  detail: Record<string, unknown>
}
export type NewAuditRecord = Omit<AuditRecord, 'id'>

export interface AuditQuery {
  /** Entries with an id above this. */
  after: number
  limit: number
  sessionId?: string | undefined
  principal?: string | undefined
}

/** What an append prunes: the record's principal's entries older than its newest `keep`, and
 *  everyone's entries older than the newest `total` of all. */
export interface AuditPrune {
  keep?: number | undefined
  total?: number | undefined
}

/** The audit log, kept across restarts and bounded; it outlives the sessions it names. */
export interface AuditStore {
  /** Appends, then prunes as asked (nothing without `prune`). */
  appendAudit(record: NewAuditRecord, prune?: AuditPrune): Promise<AuditRecord>
  /** Oldest first. */
  listAudit(query: AuditQuery): Promise<AuditRecord[]>
}

/** A run-time token as stored: its sha256, never its value. */
export interface TokenRecord {
  id: string
  label: string
  role: Role
  /** sha256 of the token, hex. */
  digest: string
  createdAt: string
  createdBy: string
}

export interface TokenStore {
  insertToken(record: TokenRecord): Promise<void>
  listTokens(): Promise<TokenRecord[]>
  findToken(digest: string): Promise<TokenRecord | undefined>
  /** false when there was no such token. */
  deleteToken(id: string): Promise<boolean>
}

export interface Store extends EventLog, SessionStore, PromptLog, AuditStore, TokenStore {
  /** Model usage and budgets (usage-log.ts). */
  readonly usage: UsageLog
  /** Webhook deliveries and their attempts, in the same database. */
  readonly deliveries: DeliveryLog
  /** Waits for the writes in flight, then closes. */
  close(): Promise<void>
}
