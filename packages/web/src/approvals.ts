// Tool approvals waiting for a person, across the sessions the page watches: the page's
// onPermissionRequest handler parks each request here until a button answers it, or until it is
// resolved elsewhere (another client, the timeout, the turn's end: its signal aborts).
import type { PermissionDecision, PermissionRequest } from '@claude-agent/client'

export interface PendingApproval {
  request: PermissionRequest
  answer(decision: PermissionDecision): void
}

type Listener = () => void

export class ApprovalQueue {
  private readonly pending = new Map<string, PendingApproval>()
  private readonly listeners = new Set<Listener>()

  get count(): number {
    return this.pending.size
  }

  forSession(sessionId: string): PendingApproval[] {
    return [...this.pending.values()].filter((p) => p.request.sessionId === sessionId)
  }

  /** The onPermissionRequest handler: resolves when a person answers; undefined when resolved elsewhere. */
  readonly handler = (request: PermissionRequest): Promise<PermissionDecision | undefined> =>
    new Promise((resolve) => {
      const id = `${request.sessionId}/${request.requestId}`
      const done = (decision: PermissionDecision | undefined) => {
        if (!this.pending.delete(id)) return
        this.changed()
        resolve(decision)
      }
      if (request.signal.aborted) return resolve(undefined)
      request.signal.addEventListener('abort', () => done(undefined), { once: true })
      this.pending.set(id, { request, answer: done })
      this.changed()
    })

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
