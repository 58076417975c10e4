// What a session is made of: its record, its config, the parts every session shares, and the
// limits its turns and approvals keep.
import type { SessionConfig } from '@claude-agent/protocol'
import type { AppendFence, SessionRecord, Store } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import type { LaunchContext } from './agent-launcher.js'
import type { PooledAgent } from './warm-pool.js'

export interface SessionLimits {
  /** Release the CLI after this long idle. 0 disables. */
  idleTimeoutMs: number
  /** Deny a permission request nobody answers within this time. */
  permissionTimeoutMs: number
  /** End a turn whose CLI sent nothing this long while no tool or person was awaited. 0 never. */
  turnSilenceTimeoutMs: number
  /** End a turn the CLI has not ended this long after an interrupt, stopping the CLI. */
  interruptTimeoutMs: number
}

export interface SessionOptions {
  record: SessionRecord
  /** Its log's last seq, read from the store when the session is loaded. */
  lastSeq: number
  /** The lease its appends are made under (cluster mode); none: unfenced. */
  fence?: () => AppendFence | undefined
  /** An append was refused because the lease moved (cluster mode): stop serving the session here. */
  leaseLost?: () => void
  /** The config as posted, key included (a new session); @default the record's (no key). */
  config?: SessionConfig
  /** What the config leaves out, filled in at each start. */
  defaults?: Partial<SessionConfig>
  /** What every session's agents share (the SDK, the sandbox, the workspace, credentials). */
  context: LaunchContext
  /** The session's state directory. */
  stateDir: string
  store: Store
  logger: Logger
  limits: SessionLimits
  /** Release the CLI when the last subscriber leaves and no turn runs, so the next start
   * picks up newly posted config (the original protocol's per-connection lifecycle). */
  releaseWhenUnattended?: boolean
  /** A CLI the warm pool started for this session (its id and directories are the pool's). */
  pooled?: PooledAgent
  /** What the sessions list shows of it changed (the live list pushes it). */
  onChange?: () => void
}
