// `client.tokens`: the admins' run-time tokens (POST/GET/DELETE /tokens). Works before start().
import type { CreateTokenRequest, CreateTokenResponse, TokenInfo } from '@claude-agent/protocol'
import { createToken, listTokens, revokeToken } from './http/tenancy.js'
import type { SessionsHttpOptions } from './http/sessions.js'

/**
 * @example
 * const { token, secret } = await client.tokens.create({ label: 'ci', role: 'member' }) // `secret`: shown this once
 * await client.tokens.revoke(token.id)
 */
export class TokensApi {
  constructor(private readonly http: () => SessionsHttpOptions) {}

  /** Rejects `REQUEST_FAILED` (`wireError.code` `FORBIDDEN` for a non-admin). */
  create(request: CreateTokenRequest): Promise<CreateTokenResponse> {
    return createToken(request, this.http())
  }

  /** Never with the tokens' values. */
  list(): Promise<TokenInfo[]> {
    return listTokens(this.http())
  }

  /** Refused at once; the token's open WebSockets close (code 4403). */
  revoke(id: string): Promise<void> {
    return revokeToken(id, this.http())
  }
}
