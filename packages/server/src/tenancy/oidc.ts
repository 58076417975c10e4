// Single sign-on: a bearer token that is a JWT is verified against the OIDC issuer's JWKS
// (jose: signature, `iss`, `aud`, `exp` required; asymmetric algorithms only, so `alg: none`
// and HMAC with a public key never verify). Its claims map to a principal. A failure says why
// in `data.reason`, never with the token.
import { PrincipalIdSchema, type Role } from '@claude-agent/protocol'
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose'
import { ServerError } from '../errors.js'
import type { Logger } from '../logger.js'
import { JwksUnreadable, jwksFetch } from './jwks-fetch.js'
import { isRole, ROLE_RANK, type Principal } from './principal.js'

export interface OidcSettings {
  issuer: string
  audience: string
  jwksUrl: string
  /** @default 'sub' */
  principalClaim: string
  /** @default 'role' */
  roleClaim: string
  /** The role of a JWT without the role claim. @default 'viewer' */
  defaultRole: Role
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

/** Three base64url parts: worth verifying as a JWT rather than looking up as a token. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)

const refused = (reason: string, message: string) =>
  new ServerError('UNAUTHORIZED', `The bearer JWT is not accepted: ${message}`, { reason })

/** jose's error as a reason a client can act on. */
function reasonOf(err: unknown): ServerError {
  if (err instanceof errors.JWTExpired) return refused('expired', 'it has expired')
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim
    if (claim === 'aud') return refused('audience', 'it is for another audience')
    if (claim === 'iss') return refused('issuer', 'it is from another issuer')
    if (claim === 'nbf') return refused('not_yet_valid', 'it is not valid yet')
    return refused('claims', `its "${claim}" claim is missing or invalid`)
  }
  if (err instanceof errors.JWKSNoMatchingKey) return refused('unknown_key', "no key of the issuer's JWKS matches it")
  if (err instanceof errors.JWSSignatureVerificationFailed) return refused('signature', 'its signature does not verify')
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return refused('algorithm', 'its algorithm is not accepted')
  const jwksFailed =
    err instanceof JwksUnreadable ||
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    !(err instanceof errors.JOSEError)
  if (jwksFailed) return refused('jwks_unavailable', "the issuer's JWKS cannot be read")
  return refused('malformed', 'it is not a valid JWT')
}

export class OidcVerifier {
  private readonly jwks

  constructor(
    private readonly settings: OidcSettings,
    private readonly logger: Logger,
  ) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), { [customFetch]: jwksFetch(settings.jwksUrl, logger) })
  }

  /** The principal the JWT names; throws UNAUTHORIZED with `data.reason`. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      }))
    } catch (err) {
      const error = reasonOf(err)
      // The reason only: the token, even a bad one, stays out of the log. A JWKS that cannot be
      // read is said once per outage by jwksFetch; what else fails with its keys is said here.
      if ((error.data as { reason: string }).reason === 'jwks_unavailable' && !(err instanceof JwksUnreadable))
        this.logger.warn(`OIDC: the JWKS at ${this.settings.jwksUrl} failed: ${String(err)}`)
      throw error
    }
    return { id: this.principalId(payload), role: this.role(payload), ...(payload.exp !== undefined && { expiresAt: payload.exp * 1000 }) }
  }

  private principalId(payload: JWTPayload): string {
    const id = payload[this.settings.principalClaim]
    // As a token's label: a comma or a control character could never be named as a reader,
    // and would reach log lines as it is.
    if (!PrincipalIdSchema.safeParse(id).success) {
      throw refused('principal', `its "${this.settings.principalClaim}" claim is not a principal id`)
    }
    return id as string
  }

  /** A role word, or a list of them (the strongest wins); absent: the default role. */
  private role(payload: JWTPayload): Role {
    const claim = payload[this.settings.roleClaim]
    if (claim === undefined) return this.settings.defaultRole
    const words = Array.isArray(claim) ? claim : [claim]
    const roles = words.filter(isRole)
    if (roles.length === 0 || roles.length !== words.length) {
      throw refused('role', `its "${this.settings.roleClaim}" claim names no known role (admin, member, viewer)`)
    }
    return roles.reduce((a, b) => (ROLE_RANK[b] > ROLE_RANK[a] ? b : a))
  }
}
