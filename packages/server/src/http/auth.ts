// Bearer tokens. Every HTTP request and WebSocket upgrade must present one when tokens are
// configured (always when listening beyond loopback). Compared in constant time; never logged.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ServerError } from '../errors.js'
import { queryParamLeniently } from './request-target.js'

export interface AuthToken {
  /** Who holds it: recorded in the approval audit trail. */
  label: string
  token: string
}

/** The WebSocket subprotocol a browser offers with the token: `new WebSocket(url, ['bearer', token])`. */
export const BEARER_SUBPROTOCOL = 'bearer'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** `label:token,label:token` or a single bare token (label `token`). */
export function parseTokens(raw: string | undefined): AuthToken[] {
  if (!raw) return []
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':')
      return colon > 0 ? { label: part.slice(0, colon), token: part.slice(colon + 1) } : { label: 'token', token: part }
    })
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
  if (header?.startsWith('Bearer ')) return header.slice(7).trim()
  const protocols = req
    .header('sec-websocket-protocol')
    ?.split(',')
    .map((p) => p.trim())
  const at = protocols?.indexOf(BEARER_SUBPROTOCOL) ?? -1
  if (protocols && at >= 0 && protocols[at + 1]) return protocols[at + 1]
  return queryParamLeniently(req.target, 'access_token') ?? undefined
}

export class Authenticator {
  private readonly digests: Array<{ label: string; digest: Buffer }>

  constructor(tokens: AuthToken[]) {
    this.digests = tokens.map((t) => ({ label: t.label, digest: digest(t.token) }))
  }

  get enabled(): boolean {
    return this.digests.length > 0
  }

  /** The label of the token the request presents; throws UNAUTHORIZED. Open when no tokens. */
  check(req: Credentials): string | undefined {
    if (!this.enabled) return undefined
    const presented = presentedToken(req)
    if (presented) {
      // Hashing first gives equal lengths, so timingSafeEqual compares without leaking length.
      const given = digest(presented)
      let match: string | undefined
      for (const { label, digest: expected } of this.digests) if (timingSafeEqual(given, expected)) match ??= label
      if (match !== undefined) return match
    }
    throw new ServerError(
      'UNAUTHORIZED',
      presented ? 'The bearer token is not valid' : 'A bearer token is required: Authorization: Bearer <token>',
    )
  }
}
