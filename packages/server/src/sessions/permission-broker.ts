// Relays Claude Code's tool-permission questions to a session's clients. Every request gets
// exactly one resolution: the first valid client answer, a session rule, a timeout (deny), or
// the turn ending (deny). Both the request and its resolution are logged: the audit trail.
import { randomUUID } from 'node:crypto'
import type { Decider, PermissionResolvedFrame, PermissionResponseFrame, WireError } from '@claude-agent/protocol'
import type { PermissionAnswer, PermissionAsk } from '../agent/agent.js'
import type { EventFrame, SessionRecord, SessionStore, StoredEvent } from '../event-log/event-log.js'
import type { Logger } from '../logger.js'
import { permissionAsked, permissionResolved } from '../metrics/metrics.js'
import { backgroundWrite, type SessionLease } from './background-write.js'

export const DEFAULT_DENY_MESSAGE = 'The user denied this tool call.'

export interface PermissionBrokerOptions {
  /** Logs and sends an event; undefined when the log failed it. */
  record: (frame: EventFrame) => Promise<StoredEvent | undefined>
  /** A request nobody answers within this time is denied. */
  timeoutMs: number
  /** Tools allowed for the rest of the session (persisted by the owner). */
  sessionRules: { has(tool: string): boolean; add(tool: string): void }
  /** Called whenever the number of open requests changes. */
  onOpenChange: (open: number) => void
}

interface OpenRequest {
  toolName: string
  input: Record<string, unknown>
  /** The logged request; undefined until it is durable (and sent). */
  event: StoredEvent | undefined
  timer: NodeJS.Timeout
  resolve: (answer: PermissionAnswer) => void
}

type Resolution = Omit<PermissionResolvedFrame, 'type' | 'requestId' | 'toolName' | 'seq'>

export class PermissionBroker {
  private readonly open = new Map<string, OpenRequest>()

  constructor(private readonly options: PermissionBrokerOptions) {}

  get openCount(): number {
    return this.open.size
  }

  /** The logged request events still waiting, for clients that attach meanwhile. */
  openEvents(): StoredEvent[] {
    return [...this.open.values()].flatMap((r) => (r.event ? [r.event] : []))
  }

  ask(ask: PermissionAsk): Promise<PermissionAnswer> {
    const requestId = `perm_${randomUUID().replaceAll('-', '').slice(0, 16)}`
    if (this.options.sessionRules.has(ask.toolName)) {
      void this.options.record({
        type: 'permission_resolved',
        requestId,
        toolName: ask.toolName,
        decision: 'allow',
        scope: 'session',
        reason: 'session_rule',
      })
      permissionResolved('session_rule', 'allow', false)
      return Promise.resolve({ behavior: 'allow', updatedInput: ask.input })
    }
    const logged = this.options.record({
      type: 'permission_request',
      requestId,
      toolName: ask.toolName,
      input: ask.input,
      ...(ask.toolUseId && { toolUseId: ask.toolUseId }),
      ...(ask.agentId && { agentId: ask.agentId }),
      ...(ask.suggestions && { suggestions: ask.suggestions }),
      ...(ask.title && { title: ask.title }),
      ...(ask.description && { description: ask.description }),
      ...(ask.decisionReason && { decisionReason: ask.decisionReason }),
      expiresAt: new Date(Date.now() + this.options.timeoutMs).toISOString(),
    })
    return new Promise((resolve) => {
      const seconds = Math.round(this.options.timeoutMs / 1000)
      const timer = setTimeout(
        () =>
          this.settle(requestId, {
            decision: 'deny',
            scope: 'once',
            reason: 'timeout',
            message: `No decision within ${seconds} s: denied.`,
          }),
        this.options.timeoutMs,
      )
      timer.unref()
      const open: OpenRequest = { toolName: ask.toolName, input: ask.input, event: undefined, timer, resolve }
      this.open.set(requestId, open)
      void logged.then((event) => {
        if (event) open.event = event
        // Nobody can answer a request that was never sent.
        else this.settle(requestId, { decision: 'deny', scope: 'once', reason: 'cancelled', message: 'The request could not be recorded.' })
      })
      permissionAsked()
      ask.signal.addEventListener(
        'abort',
        () =>
          this.settle(requestId, { decision: 'deny', scope: 'once', reason: 'cancelled', message: 'The turn ended before a decision.' }),
        { once: true },
      )
      this.options.onOpenChange(this.open.size)
    })
  }

  /** A client's answer. Returns the error to send back when it comes too late or is unknown. */
  answer(response: PermissionResponseFrame, by: Decider): WireError | undefined {
    const request = this.open.get(response.requestId)
    if (!request) {
      return {
        code: 'PERMISSION_NOT_PENDING',
        error: `Permission request "${response.requestId.slice(0, 64)}" is not waiting for an answer (already resolved, or unknown)`,
      }
    }
    if (response.decision === 'deny') {
      this.settle(response.requestId, {
        decision: 'deny',
        scope: 'once',
        reason: 'client',
        by,
        message: response.message ?? DEFAULT_DENY_MESSAGE,
      })
      return undefined
    }
    const scope = response.scope ?? 'once'
    if (scope === 'session') this.options.sessionRules.add(request.toolName)
    this.settle(response.requestId, {
      decision: 'allow',
      scope,
      reason: 'client',
      by,
      ...(response.updatedInput && { updatedInput: response.updatedInput }),
    })
    return undefined
  }

  /** Deny every open request (the turn or the process is ending). */
  cancelAll(reason: 'cancelled' | 'restart', message: string): void {
    for (const requestId of [...this.open.keys()]) this.settle(requestId, { decision: 'deny', scope: 'once', reason, message })
  }

  private settle(requestId: string, resolution: Resolution): void {
    const request = this.open.get(requestId)
    if (!request) return
    clearTimeout(request.timer)
    this.open.delete(requestId)
    permissionResolved(resolution.reason, resolution.decision)
    void this.options.record({ type: 'permission_resolved', requestId, toolName: request.toolName, ...resolution })
    request.resolve(
      resolution.decision === 'allow'
        ? { behavior: 'allow', updatedInput: resolution.updatedInput ?? request.input }
        : { behavior: 'deny', message: resolution.message ?? DEFAULT_DENY_MESSAGE },
    )
    this.options.onOpenChange(this.open.size)
  }
}

/** The tools a client allowed for the rest of a session, persisted with it. */
export function sessionRules(
  record: SessionRecord,
  store: SessionStore,
  logger: Logger,
  lease: SessionLease = {},
): PermissionBrokerOptions['sessionRules'] {
  const allowed = new Set(record.allowedTools)
  return {
    has: (tool) => allowed.has(tool),
    add: (tool) => {
      allowed.add(tool)
      backgroundWrite(store.updateAllowedTools(record.id, [...allowed], lease.fence?.()), logger, 'the allowed tools', lease)
    },
  }
}

/** Requests a previous process left open (found in the log after a restart). */
export function orphanedRequests(events: StoredEvent[]): Array<{ requestId: string; toolName: string }> {
  const open = new Map<string, string>()
  for (const event of events) {
    const frame = JSON.parse(event.text) as { type: string; requestId?: string; toolName?: string }
    if (frame.type === 'permission_request' && frame.requestId) open.set(frame.requestId, frame.toolName ?? '')
    if (frame.type === 'permission_resolved' && frame.requestId) open.delete(frame.requestId)
  }
  return [...open].map(([requestId, toolName]) => ({ requestId, toolName }))
}
