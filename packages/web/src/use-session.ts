// Attach to one session for the page: replay its latest events (RECENT_EVENTS; earlier ones
// are read over HTTP when asked for), partial messages on, reconnecting by itself (the client
// replays after the last seq it delivered: nothing lost or doubled across drops and server
// restarts). Re-renders at most once per animation frame.
import type { ClaudeAgentClient, ConnectionState, ServerFrame, SessionConnection } from '@claude-agent/client'
import { useEffect, useRef, useState } from 'preact/hooks'
import { describeError, type Problem } from './api'
import type { ApprovalQueue } from './approvals'
import { Conversation } from './conversation'
import { notify } from './notify'
import { oldestOpenRequest } from './open-requests'

export interface SessionHandle {
  connection?: SessionConnection
  conversation: Conversation
  state: ConnectionState
  problem?: Problem
  version: number
  /** Events up to this seq are not loaded yet (0: the whole history is). */
  earlierTo: number
  /** Loads up to RECENT_EVENTS more of them, before what is shown. */
  loadEarlier(): Promise<void>
}

/** Replaying a whole long session froze the page (20,000 events: 35 s before the latest
 * message showed): it opens on this many of the latest events. */
export const RECENT_EVENTS = 2_000

/** The logged events with `from < seq <= to`, over HTTP (the server pages them). */
async function eventsBetween(client: ClaudeAgentClient, id: string, from: number, to: number): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = []
  let after = from
  while (after < to) {
    const page = await client.sessions.history(id, { after, limit: Math.min(to - after, 10_000) })
    for (const frame of page.events) if ('seq' in frame && typeof frame.seq === 'number' && frame.seq <= to) frames.push(frame)
    const last = page.events.at(-1)
    const seq = last && 'seq' in last && typeof last.seq === 'number' ? last.seq : to
    if (seq <= after) break
    after = seq
  }
  return frames
}

export function useSession(client: ClaudeAgentClient, id: string, queue: ApprovalQueue): SessionHandle {
  const [conversation] = useState(() => new Conversation())
  const [connection, setConnection] = useState<SessionConnection>()
  const [state, setState] = useState<ConnectionState>('connecting')
  const [problem, setProblem] = useState<Problem>()
  const [version, setVersion] = useState(0)
  const [earlierTo, setEarlierTo] = useState(0)
  const loading = useRef(false)
  useEffect(() => {
    let gone = false
    let frame = 0
    let opened: SessionConnection | undefined
    const render = () => {
      if (frame) return
      frame = requestAnimationFrame(() => {
        frame = 0
        setVersion(conversation.version)
      })
    }
    void (async () => {
      try {
        // Over HTTP first: a browser's WebSocket cannot say why an upgrade was refused, and a
        // session that is not there (or not this token's to see) should say so plainly.
        const { lastSeq, state } = await client.sessions.get(id)
        let after = Math.max(0, lastSeq - RECENT_EVENTS)
        // An approval asked for before the end still waits: the replay starts at it.
        if (state === 'waiting_for_approval' && after > 0) {
          const oldest = oldestOpenRequest(await eventsBetween(client, id, 0, lastSeq))
          if (oldest !== undefined) after = Math.min(after, oldest - 1)
        }
        opened = await client.sessions.attach(id, { after, partial: true, reconnect: { maxDelayMs: 2_000 } })
        if (!gone) setEarlierTo(after)
      } catch (error) {
        if (gone) return
        setProblem(describeError(error))
        setState('closed')
        return
      }
      if (gone) return void opened.close()
      // What the log held at attach is replayed history: only later turns are news.
      const liveFrom = opened.connection?.lastSeq ?? 0
      opened.onMessage((f) => {
        conversation.apply(f)
        if (f.type === 'sdk_message' && f.data.type === 'result' && 'seq' in f && typeof f.seq === 'number' && f.seq > liveFrom)
          notify(`Turn ended in ${id}`, '')
        // The replay is drawn once it reaches the end of the log: drawing it as it came in
        // rendered (and parsed the markdown of) every message it slid past.
        if ('seq' in f && typeof f.seq === 'number' && f.seq < liveFrom) return
        render()
      })
      opened.onPermissionRequest(queue.handler)
      opened.onConnectionChange((change) => {
        setState(change.state)
        if (change.error) setProblem(describeError(change.error))
        else if (change.state === 'connected') setProblem(undefined)
      })
      setState(opened.connectionState)
      setConnection(opened)
    })()
    return () => {
      gone = true
      cancelAnimationFrame(frame)
      void opened?.close()
    }
  }, [client, id])
  const loadEarlier = async () => {
    if (loading.current || earlierTo === 0) return
    loading.current = true
    try {
      const from = Math.max(0, earlierTo - RECENT_EVENTS)
      conversation.prepend(await eventsBetween(client, id, from, earlierTo))
      setEarlierTo(from)
    } catch (error) {
      setProblem(describeError(error))
    } finally {
      loading.current = false
    }
  }
  return { ...(connection && { connection }), conversation, state, ...(problem && { problem }), version, earlierTo, loadEarlier }
}
