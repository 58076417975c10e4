// A session's own config: the part the store keeps (no secrets) and its posted model key, which
// lives in memory only, for the life of the process. Live control (mode, model) patches it; the
// next agent start reads it.
import type { SessionConfig } from '@claude-agent/protocol'
import type { SessionStore } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import { secrets } from '../secrets.js'
import { backgroundWrite, type SessionLease } from './background-write.js'

/** Secrets never reach the store. */
export function withoutSecrets<T extends SessionConfig>(config: T): Omit<T, 'anthropicApiKey'> {
  const { anthropicApiKey: _secret, ...rest } = config
  return rest
}

export class OwnConfig {
  private stored: SessionConfig
  private key: string | undefined

  /** `config` may hold a posted key; `defaults` fill what the config leaves out at each start. */
  constructor(
    private readonly sessionId: string,
    config: SessionConfig,
    private readonly store: SessionStore,
    private readonly logger: Logger,
    private readonly defaults: Partial<SessionConfig> = {},
    private readonly lease: SessionLease = {},
  ) {
    this.stored = withoutSecrets(config)
    this.key = this.remember(config.anthropicApiKey)
  }

  /** As posted, the key included: never send it as is. */
  get posted(): SessionConfig {
    return this.key === undefined ? this.stored : { ...this.stored, anthropicApiKey: this.key }
  }

  /** What the next agent start uses: the defaults, then the posted config. */
  get effective(): SessionConfig {
    return { ...this.defaults, ...this.posted }
  }

  /** The stored config (no secrets). */
  get withoutKey(): SessionConfig {
    return this.stored
  }

  get hasKey(): boolean {
    return this.key !== undefined
  }

  /** Replaces the whole config (POST /config); a running agent keeps the one it started with.
   * In effect at once; resolves once stored (LEASE_LOST: the session moved, it stops here). */
  replace(config: SessionConfig): Promise<void> {
    const key = this.key
    this.key = this.remember(config.anthropicApiKey)
    return this.save(withoutSecrets(config), () => (this.key = key))
  }

  /** Changes some fields (live control: mode, model); resolves once stored. */
  patch(patch: Partial<Omit<SessionConfig, 'anthropicApiKey'>>): Promise<void> {
    return this.save({ ...this.stored, ...patch })
  }

  /** In effect at once; a write the store refuses puts back what is stored (unless a later
   * change came meanwhile), so memory never holds a config the store does not. */
  private save(next: SessionConfig, undo?: () => void): Promise<void> {
    const before = this.stored
    this.stored = next
    const write = this.store.updateSessionConfig(this.sessionId, next, this.lease.fence?.())
    backgroundWrite(write, this.logger, 'the session config', this.lease)
    write.catch(() => {
      if (this.stored !== next) return
      this.stored = before
      undo?.()
    })
    return write
  }

  /** Every posted key joins the process's secret registry, so it is scrubbed everywhere. */
  private remember(key: string | undefined): string | undefined {
    secrets.addPosted(key)
    return key || undefined
  }
}
