// Tokens created at run time by admins: 32 random bytes, shown once, stored as their sha256.
// A fast hash is enough: with 256 bits of randomness nothing can be guessed, however many
// hashes a second an attacker could try; slow hashes (bcrypt, scrypt) protect low-entropy
// passwords, and would cost every request. Revoking deletes the row: the next request fails.
import { createHash, randomBytes } from 'node:crypto'
import type { CreateTokenRequest, TokenInfo } from '@claude-agent/protocol'
import type { TokenRecord, TokenStore } from '../event-log/event-log.js'
import type { Principal } from './principal.js'

/** Token values carry a prefix so a leaked one is recognisable (secret scanners, logs). */
const PREFIX = 'cas_'

export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex')

const info = ({ digest: _, ...token }: TokenRecord): TokenInfo => token

/** What happens to tokens, for the audit log (wired at merge). */
export interface TokenEvents {
  created(token: TokenInfo, by: Principal): void
  revoked(token: TokenInfo, by: Principal): void
}

export class RuntimeTokens {
  constructor(
    private readonly store: TokenStore,
    private readonly events: TokenEvents,
    /** Told every new value, so no log line can show it. */
    private readonly addSecret: (value: string) => void,
  ) {}

  async create(request: CreateTokenRequest, by: Principal): Promise<{ token: TokenInfo; secret: string }> {
    const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`
    this.addSecret(secret)
    const record: TokenRecord = {
      id: `tok_${randomBytes(9).toString('base64url')}`,
      label: request.label,
      role: request.role,
      digest: tokenDigest(secret),
      createdAt: new Date().toISOString(),
      createdBy: by.id,
    }
    await this.store.insertToken(record)
    const token = info(record)
    this.events.created(token, by)
    return { token, secret }
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.store.listTokens()).map(info)
  }

  /** The revoked token, or undefined when there was none with that id. */
  async revoke(id: string, by: Principal): Promise<TokenInfo | undefined> {
    const record = (await this.store.listTokens()).find((t) => t.id === id)
    if (!record || !(await this.store.deleteToken(id))) return undefined
    const token = info(record)
    this.events.revoked(token, by)
    return token
  }

  /** The principal a presented value belongs to, if it is a live token. */
  async principal(presented: string): Promise<Principal | undefined> {
    const record = await this.store.findToken(tokenDigest(presented))
    return record && { id: record.label, role: record.role, tokenId: record.id }
  }
}
