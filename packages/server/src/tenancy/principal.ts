// Who a request acts as. `id` is a token's label or a JWT's mapped subject; the role decides
// what it may do (access.ts).
import { ROLES, type Principal as WirePrincipal, type Role } from '@claude-agent/protocol'

export interface Principal extends WirePrincipal {
  /** The run-time token that authenticated it: its open sockets close when it is revoked. */
  tokenId?: string
  /** When the credential stops being valid (a JWT's `exp`), epoch ms: its sockets close then. */
  expiresAt?: number
}

/** Everything is this admin when the server runs open (no token configured, on loopback). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: 'local', role: 'admin' as const })

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value)

/** How far a role reaches, to pick the strongest of several (a JWT's role claim as a list). */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, member: 1, admin: 2 }
