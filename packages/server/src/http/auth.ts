// Bearer tokens. Every HTTP request and WebSocket upgrade must present one when tokens are
// configured (always when listening beyond loopback). Compared in constant time; never logged.
// A token belongs to a principal with a role; a JWT is verified by the OIDC issuer's keys.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { PrincipalIdSchema, ROLES, type Role } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import { looksLikeJwt, type OidcVerifier } from '../tenancy/oidc.js'
import { isRole, LOCAL_PRINCIPAL, type Principal } from '../tenancy/principal.js'
import type { RuntimeTokens } from '../tenancy/tokens.js'
import { queryParamLeniently } from './request-target.js'

export interface AuthToken {
  /** Who holds it: the principal id, recorded in the audit trails. */
  label: string
  /** @default 'admin' (a token without a role, as before roles) */
  role?: Role
  token: string
}

/** The WebSocket subprotocol a browser offers with the token: `new WebSocket(url, ['bearer', token])`. */
export const BEARER_SUBPROTOCOL = 'bearer'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** A token spec the server cannot start with; the message names the label, never the token. */
export class TokenSpecError extends Error {}

/** `label:token`, `label:role:token` (comma-separated), or a single bare token (label `token`). */
function parseToken(part: string, name: string): AuthToken {
  const colon = part.indexOf(':')
  if (colon <= 0) return { label: 'token', token: part }
  const label = part.slice(0, colon)
  if (!PrincipalIdSchema.safeParse(label).success)
    throw new TokenSpecError(
      `${name}: a label is not a principal id (1 to 256 characters, no control characters); not shown, it may be a token`,
    )
  const rest = part.slice(colon + 1)
  const second = rest.indexOf(':')
  const spec: AuthToken =
    second < 0 ? { label, token: rest } : { label, role: roleOf(rest.slice(0, second), label, name), token: rest.slice(second + 1) }
  // An empty value can never be presented (an empty bearer is no token): nobody could log in as it.
  if (!spec.token) throw new TokenSpecError(`${name}: the token for "${label}" is empty`)
  return spec
}

function roleOf(role: string, label: string, name: string): Role {
  if (!isRole(role))
    throw new TokenSpecError(`${name}: unknown role "${printable(role)}" for token "${label}" (roles: ${ROLES.join(', ')})`)
  return role
}

const printable = (text: string) => text.slice(0, 32).replace(/\p{Cc}/gu, '?')

/** @throws TokenSpecError naming an unknown role */
export function parseTokens(raw: string | undefined, name = 'AUTH_TOKENS'): AuthToken[] {
  if (!raw) return []
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => parseToken(part, name))
}

export function generateToken(): AuthToken {
  return { label: 'generated', token: randomBytes(24).toString('base64url') }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** What authentication reads of a request, from Hono's request or a Node upgrade request. */
export interface Credentials {
  header(name: 'authorization' | 'sec-websocket-protocol'): string | undefined
  /** The request target (or the full URL): `?access_token=` is read from its query. */
  target: string | undefined
}

/** A Node request's credentials (WebSocket upgrades, which never reach Hono). */
export const nodeCredentials = (req: {
  headers: Record<string, string | string[] | undefined>
  url?: string | undefined
}): Credentials => ({
  header: (name) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value[0] : value
  },
  target: req.url,
})

/** The token a request presents: `Authorization: Bearer`, the `bearer` subprotocol, or `?access_token=`. */
export function presentedToken(req: Credentials): string | undefined {
  const header = req.header('authorization')
  // The scheme's name is case-insensitive (RFC 9110 11.1): `bearer` is the same scheme.
  if (header !== undefined && /^bearer /i.test(header)) return header.slice(7).trim()
  const protocols = req
    .header('sec-websocket-protocol')
    ?.split(',')
    .map((p) => p.trim())
  const at = protocols?.indexOf(BEARER_SUBPROTOCOL) ?? -1
  if (protocols && at >= 0 && protocols[at + 1]) return protocols[at + 1]
  return queryParamLeniently(req.target, 'access_token') ?? undefined
}

export interface AuthenticatorOptions {
  tokens: AuthToken[]
  /** Tokens created at run time (POST /tokens). */
  runtime?: RuntimeTokens
  /** Bearer JWTs from an OIDC issuer. */
  oidc?: OidcVerifier
}

export class Authenticator {
  private readonly digests: Array<{ principal: Principal; digest: Buffer }>

  constructor(private readonly options: AuthenticatorOptions) {
    this.digests = options.tokens.map((t) => ({ principal: { id: t.label, role: t.role ?? 'admin' }, digest: digest(t.token) }))
  }

  /** Whether requests must present a credential: tokens configured, or an OIDC issuer. Open
   * otherwise (loopback only): everything is the admin `local`. */
  get enabled(): boolean {
    return this.digests.length > 0 || this.options.oidc !== undefined
  }

  /** The principal the request acts as; throws UNAUTHORIZED. */
  async authenticate(req: Credentials): Promise<Principal> {
    if (!this.enabled) return LOCAL_PRINCIPAL
    const presented = presentedToken(req)
    if (!presented) throw new ServerError('UNAUTHORIZED', 'A bearer token is required: Authorization: Bearer <token>')
    const known = this.configured(presented) ?? (await this.options.runtime?.principal(presented))
    if (known) return known
    if (this.options.oidc && looksLikeJwt(presented)) return this.options.oidc.verify(presented)
    throw new ServerError('UNAUTHORIZED', 'The bearer token is not valid')
  }

  private configured(presented: string): Principal | undefined {
    // Hashing first gives equal lengths, so timingSafeEqual compares without leaking length.
    const given = digest(presented)
    let match: Principal | undefined
    for (const { principal, digest: expected } of this.digests) if (timingSafeEqual(given, expected)) match ??= principal
    return match
  }
}
