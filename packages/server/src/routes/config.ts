// POST /config and GET /config of the original protocol. Secrets go in, never out.
import { QueryConfigSchema, describeIssues, droppedAgentFields, redactConfig, summarizeIssues } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import { readJsonBody } from '../http/body.js'
import type { Route } from '../http/router.js'
import type { SessionManager } from '../sessions/session-manager.js'

export function configRoutes(sessions: SessionManager, options: { maxBodyBytes: number }): Route[] {
  return [
    {
      method: 'POST',
      path: '/config',
      async handle({ req }) {
        const body = await readJsonBody(req, options.maxBodyBytes)
        const parsed = QueryConfigSchema.safeParse(body)
        if (!parsed.success) {
          const issues = describeIssues(parsed.error)
          throw new ServerError('INVALID_CONFIG', `Invalid config: ${summarizeIssues(issues)}`, { issues })
        }
        sessions.setConfig(parsed.data)
        const session = sessions.defaultSession
        // Fields inside `agents` the SDK does not know (the original README's `name`) are dropped, and named.
        const dropped = droppedAgentFields(body)
        return {
          body: {
            success: true,
            config: redactConfig(parsed.data),
            // Whether a running agent keeps its older config until its next start.
            appliesAtNextStart: session.activeRun !== null,
            // A posted key takes the default session out of the offline demo mode.
            demo: sessions.isDemo(),
            ...(dropped.length > 0 && { dropped }),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/config',
      handle() {
        const session = sessions.defaultSession
        return {
          body: {
            config: redactConfig(sessions.getConfig()),
            session: { id: session.id, state: session.state, run: session.activeRun },
            demo: sessions.isDemo(),
          },
        }
      },
    },
  ]
}
