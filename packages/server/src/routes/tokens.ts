// The admins' token API: create (the value is in that answer only), list (never a value),
// revoke (refused at once; the token's open WebSockets close).
import {
  CreateTokenRequestSchema,
  describeIssues,
  summarizeIssues,
  type CreateTokenResponse,
  type ListTokensResponse,
  type RevokeTokenResponse,
} from '@claude-agent/protocol'
import { httpActor } from '../audit/actor.js'
import type { AuditLog } from '../audit/audit-log.js'
import { ServerError } from '../errors.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import type { LiveSockets } from '../tenancy/live-sockets.js'
import type { RuntimeTokens } from '../tenancy/tokens.js'

export interface TokenRoutesOptions {
  tokens: RuntimeTokens
  live: LiveSockets
  audit: AuditLog
  maxBodyBytes: number
}

// Only admins get here (tenancy/route-access.ts: /tokens is `tokens.manage`).
export function tokenRoutes({ tokens, live, audit, maxBodyBytes }: TokenRoutesOptions): RouteModule {
  return (app) => {
    app.post('/tokens', jsonBodyLimit(maxBodyBytes), async (c) => {
      const parsed = CreateTokenRequestSchema.safeParse(await readJsonBody(c))
      if (!parsed.success) {
        const issues = describeIssues(parsed.error)
        throw new ServerError('INVALID_REQUEST', `Invalid token request: ${summarizeIssues(issues)}`, { issues })
      }
      const created = await tokens.create(parsed.data, c.get('principal'))
      audit.record(httpActor(c), 'token_create', undefined, { id: created.token.id, label: created.token.label, role: created.token.role })
      return jsonResponse<CreateTokenResponse>(created, 201)
    })
    app.get('/tokens', async () => jsonResponse<ListTokensResponse>({ tokens: await tokens.list() }))
    app.delete('/tokens/:id', async (c) => {
      const id = c.req.param('id')
      if (!(await tokens.revoke(id, c.get('principal')))) throw new ServerError('TOKEN_NOT_FOUND', `No token with id "${id.slice(0, 64)}"`)
      // This request itself is answered, even when it presents the token it revokes.
      live.revokeToken(id, c.get('live'))
      audit.record(httpActor(c), 'token_revoke', undefined, { id })
      return jsonResponse<RevokeTokenResponse>({ revoked: id })
    })
  }
}
