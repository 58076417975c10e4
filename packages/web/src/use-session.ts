// Attach to one session for the page: replay from the start (`after: 0`), partial messages on,
// reconnecting by itself (the client replays after the last seq it delivered: nothing lost or
// doubled across drops and server restarts). Re-renders at most once per animation frame.
import type { ClaudeAgentClient, ConnectionState, SessionConnection } from '@claude-agent/client'
import { useEffect, useState } from 'preact/hooks'
import { describeError, type Problem } from './api'
import type { ApprovalQueue } from './approvals'
import { Conversation } from './conversation'
import { notify } from './notify'

export interface SessionHandle {
  connection?: SessionConnection
  conversation: Conversation
  state: ConnectionState
  problem?: Problem
  version: number
}

export function useSession(client: ClaudeAgentClient, id: string, queue: ApprovalQueue): SessionHandle {
  const [conversation] = useState(() => new Conversation())
  const [connection, setConnection] = useState<SessionConnection>()
  const [state, setState] = useState<ConnectionState>('connecting')
  const [problem, setProblem] = useState<Problem>()
  const [version, setVersion] = useState(0)
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
        await client.sessions.get(id)
        opened = await client.sessions.attach(id, { after: 0, partial: true, reconnect: { maxDelayMs: 2_000 } })
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
  return { ...(connection && { connection }), conversation, state, ...(problem && { problem }), version }
}
