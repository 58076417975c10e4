// What a webhook is told, taken from a session's logged events: a turn's result, a tool
// approval asked for, an error, a budget reached. Payloads are summaries on purpose: a tool's
// input or the agent's answer may hold anything (keys in a command line, file content), so
// they stay behind the API's auth; the receiver fetches them with the session id if it needs.
import type { ErrorCode } from '@claude-agent/protocol'
import type { EventFrame, StoredEvent } from '../event-log/event-log.js'

export const WEBHOOK_EVENTS = ['turn.completed', 'permission.requested', 'session.error', 'budget.reached'] as const
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number]

/** The error code a budget stop is reported with (budgets report it as an error event). */
const BUDGET_EXCEEDED = 'BUDGET_EXCEEDED' as ErrorCode

export interface WebhookEvent {
  type: WebhookEventType
  sessionId: string
  /** The event's seq in the session's log: with sessionId, it names the event. */
  seq: number
  /** When the event was logged, ISO 8601. */
  at: string
  data: Record<string, unknown>
}

/** The webhook event a logged event is, if any. Cheap for the rest: it runs on every append. */
export function webhookEventFor(event: StoredEvent, frame: EventFrame): WebhookEvent | undefined {
  const made = (type: WebhookEventType, data: Record<string, unknown>): WebhookEvent => ({
    type,
    sessionId: event.sessionId,
    seq: event.seq,
    at: new Date(event.at).toISOString(),
    data,
  })
  switch (frame.type) {
    case 'sdk_message':
      return frame.data.type === 'result' ? made('turn.completed', turnSummary(frame.data)) : undefined
    case 'permission_request':
      return made('permission.requested', {
        requestId: frame.requestId,
        toolName: frame.toolName,
        ...(frame.toolUseId === undefined ? {} : { toolUseId: frame.toolUseId }),
        ...(frame.agentId === undefined ? {} : { agentId: frame.agentId }),
      })
    case 'error': {
      const error = { code: frame.code, message: frame.error }
      // A budget stop is one fact: it is `budget.reached`, not a `session.error` as well.
      if (frame.code === BUDGET_EXCEEDED) return made('budget.reached', frame.data === undefined ? error : { ...error, data: frame.data })
      return made('session.error', error)
    }
    default:
      return undefined
  }
}

const pick = (message: Record<string, unknown>, name: string) => (message[name] === undefined ? {} : { [toCamel(name)]: message[name] })
const toCamel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** The result's outcome and costs; never its text. */
function turnSummary(result: Record<string, unknown>): Record<string, unknown> {
  return {
    subtype: result['subtype'],
    isError: result['is_error'] === true,
    ...pick(result, 'duration_ms'),
    ...pick(result, 'duration_api_ms'),
    ...pick(result, 'num_turns'),
    ...pick(result, 'total_cost_usd'),
    ...pick(result, 'usage'),
  }
}
