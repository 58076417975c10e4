// GET /webhooks: the hooks and their newest deliveries with every attempt, for an operator
// checking why a receiver heard nothing. No secret is in it; bodies are left out (the receiver
// has them, and the session's events hold the whole story).
import type { ListWebhooksResponse } from '@claude-agent/protocol'
import type { RouteModule } from '../http/http-app.js'
import { parseLimit } from '../http/query.js'
import { jsonResponse } from '../http/respond.js'
import type { WebhookView } from './dispatcher.js'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function webhookRoutes(webhooks: WebhookView): RouteModule {
  return (app) => {
    app.get('/webhooks', async (c) => {
      const limit = parseLimit(c.req.query('limit') ?? null)
      const deliveries = (await webhooks.deliveries(limit)).map(({ body: _body, createdAt, nextAt, attemptLog, ...rest }) => ({
        ...rest,
        createdAt: iso(createdAt)!,
        nextAt: iso(nextAt),
        attemptLog: attemptLog.map((a) => ({ ...a, at: iso(a.at)!, retryAt: iso(a.retryAt) })),
      }))
      return jsonResponse<ListWebhooksResponse>({ hooks: webhooks.hooks(), deliveries })
    })
  }
}
