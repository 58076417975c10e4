// Approvals waiting in every session, for the title count, the session list and notifications,
// without opening a WebSocket per session (a connection would start each session's CLI): the
// sessions' event logs are read from a cursor each time their lastSeq moves, counting the
// permission requests that have no resolution yet. Answering happens in the session's view.
import type { ClaudeAgentClient, SessionInfo } from '@claude-agent/client'

interface Watched {
  cursor: number
  open: Map<string, string>
  /** The sum of the turns' `total_cost_usd`. */
  costUsd: number
}

type Listener = () => void

export class PendingTracker {
  private readonly sessions = new Map<string, Watched>()
  private readonly listeners = new Set<Listener>()

  constructor(
    private readonly client: ClaudeAgentClient,
    private readonly onNew: (sessionId: string, toolName: string) => void,
  ) {}

  /** Open requests in session `id`. */
  openIn(id: string): number {
    return this.sessions.get(id)?.open.size ?? 0
  }

  /** What the session's turns cost so far (as the results report it). */
  costOf(id: string): number | undefined {
    return this.sessions.get(id)?.costUsd
  }

  get total(): number {
    let n = 0
    for (const s of this.sessions.values()) n += s.open.size
    return n
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Catch up with the sessions as listed (forgetting the deleted ones). */
  async update(list: SessionInfo[]): Promise<void> {
    let changed = false
    const ids = new Set(list.map((s) => s.id))
    for (const id of this.sessions.keys()) if (!ids.has(id)) changed = this.sessions.delete(id) || changed
    for (const info of list) {
      const watched = this.sessions.get(info.id) ?? { cursor: 0, open: new Map<string, string>(), costUsd: 0 }
      this.sessions.set(info.id, watched)
      if (info.lastSeq > watched.cursor) changed = (await this.read(info.id, watched, info.lastSeq)) || changed
    }
    if (changed) for (const listener of this.listeners) listener()
  }

  private async read(id: string, watched: Watched, upTo: number): Promise<boolean> {
    const had = new Set(watched.open.keys())
    while (watched.cursor < upTo) {
      const page = await this.client.sessions.history(id, { after: watched.cursor, limit: 1000 })
      for (const event of page.events) {
        if (event.type === 'permission_request') watched.open.set(event.requestId, event.toolName)
        else if (event.type === 'permission_resolved') watched.open.delete(event.requestId)
        else if (event.type === 'sdk_message' && event.data.type === 'result') {
          const cost = (event.data as { total_cost_usd?: unknown }).total_cost_usd
          if (typeof cost === 'number') watched.costUsd += cost
        }
        if ('seq' in event && typeof event.seq === 'number') watched.cursor = Math.max(watched.cursor, event.seq)
      }
      if (!page.hasMore) {
        watched.cursor = Math.max(watched.cursor, page.lastSeq)
        break
      }
    }
    // Only requests still open after the read are news (one already answered is not).
    for (const [requestId, tool] of watched.open) if (!had.has(requestId)) this.onNew(id, tool)
    return true
  }
}
