// POST /config and GET /config of the original protocol. Secrets go in, never out.
import {
  QueryConfigSchema,
  describeIssues,
  droppedAgentFields,
  redactConfig,
  summarizeIssues,
  type GetConfigResponse,
  type PostConfigResponse,
} from '@claude-agent/protocol'
import { httpActor } from '../audit/actor.js'
import type { AuditLog } from '../audit/audit-log.js'
import { ServerError } from '../errors.js'
import { jsonBodyLimit, readJsonBody } from '../http/body.js'
import type { RouteModule } from '../http/http-app.js'
import { jsonResponse } from '../http/respond.js'
import type { SessionManager } from '../sessions/session-manager.js'

export function configRoutes(sessions: SessionManager, options: { maxBodyBytes: number; audit: AuditLog }): RouteModule {
  return (app) => {
    app.post('/config', jsonBodyLimit(options.maxBodyBytes), async (c) => {
      const body = await readJsonBody(c)
      const parsed = QueryConfigSchema.safeParse(body)
      if (!parsed.success) {
        const issues = describeIssues(parsed.error)
        throw new ServerError('INVALID_CONFIG', `Invalid config: ${summarizeIssues(issues)}`, { issues })
      }
      await sessions.setConfig(parsed.data)
      const session = sessions.defaultSession
      // The fields it set, never their values (a key among them).
      options.audit.record(httpActor(c), 'config_set', session.id, { fields: Object.keys(parsed.data).sort().join(',') })
      // Fields inside `agents` the SDK does not know (the original README's `name`) are dropped, and named.
      const dropped = droppedAgentFields(body)
      session.droppedConfigFields = dropped
      return jsonResponse<PostConfigResponse>({
        success: true,
        config: redactConfig(parsed.data),
        // Whether a running agent keeps its older config until its next start.
        appliesAtNextStart: session.activeRun !== null,
        // A posted key takes the default session out of the offline demo mode.
        demo: sessions.isDemo(),
        ...(dropped.length > 0 && { dropped }),
      })
    })
    app.get('/config', () => {
      const session = sessions.defaultSession
      return jsonResponse<GetConfigResponse>({
        config: redactConfig(sessions.getConfig()),
        session: { id: session.id, state: session.state, run: session.activeRun },
        demo: sessions.isDemo(),
      })
    })
  }
}
