// Runtime control for the standalone server (the CLI): swap the scenario, read what was
// received. Paths start with `/_` so they can never collide with the Anthropic API.
import type { ServerResponse } from 'node:http'
import { sendApiError, sendJson } from './http.js'
import type { UnusedReply } from './conversation.js'
import type { RecordedRequest } from './recorder.js'
import type { Scenario } from './scenario.js'
import { ScenarioError } from './validate.js'

/** The server operations the control routes may call. */
export interface ControlTarget {
  /** Validates (throws ScenarioError) and installs. */
  setScenario(scenario: Scenario): void
  reset(): void
  unusedReplies(): UnusedReply[]
  readonly requests: readonly RecordedRequest[]
}

/** Handles `/_...` routes; returns false when the route is not a control route. */
export function handleControl(target: ControlTarget, method: string, path: string, body: unknown, res: ServerResponse): boolean {
  const route = `${method} ${path}`
  switch (route) {
    case 'PUT /_scenario':
      try {
        if (typeof body === 'string') throw new ScenarioError(['body is not valid JSON'])
        target.setScenario(body as Scenario)
        sendJson(res, 200, { ok: true })
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error
        const detail = { type: 'invalid_request_error', message: error.message, code: error.code, issues: error.issues }
        sendJson(res, 400, { type: 'error', error: detail })
      }
      return true
    case 'GET /_requests':
      sendJson(res, 200, target.requests)
      return true
    case 'GET /_unused':
      sendJson(res, 200, target.unusedReplies())
      return true
    case 'POST /_reset':
      target.reset()
      sendJson(res, 200, { ok: true })
      return true
    default:
      if (!path.startsWith('/_')) return false
      sendApiError(res, 404, 'not_found_error', `No control route ${route}`)
      return true
  }
}
