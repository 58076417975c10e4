// The console's shell: the token check, the hash routes (#/ the sessions, #/sessions/<id> one
// session: the hash never reaches the server, so no route can shadow an API path), the approval
// count in the title, notifications opt-in.
import type { ClaudeAgentClient } from '@claude-agent/client'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { createClient, describeError, isAuthProblem, problemText, type Problem } from './api'
import { ApprovalQueue } from './approvals'
import { disableNotifications, enableNotifications, notificationsOn, notificationsSupported, notify } from './notify'
import { PendingTracker } from './pending-tracker'
import { SessionView } from './session-view'
import { SessionsList } from './sessions-list'
import { forgetToken, storeToken, storedToken } from './token'
import { TokenPage } from './token-page'

const TITLE = 'Claude Agent Console'

function useRoute(): string {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = () => setHash(location.hash)
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return hash
}

function sessionOf(hash: string): string | undefined {
  const match = /^#\/sessions\/([^/]+)$/.exec(hash)
  if (!match) return undefined
  try {
    return decodeURIComponent(match[1]!)
  } catch {
    return undefined
  }
}

const TRACK_MS = 2_000

/** Approvals waiting across sessions, read from the server every few seconds. */
function useTracker(client: ClaudeAgentClient): { tracker: PendingTracker; count: number } {
  const tracker = useMemo(() => new PendingTracker(client, (id, tool) => notify(`Approval needed in ${id}`, tool)), [client])
  const [count, setCount] = useState(0)
  useEffect(() => {
    const unsubscribe = tracker.subscribe(() => setCount(tracker.total))
    let busy = false
    const tick = async () => {
      if (busy) return
      busy = true
      try {
        await tracker.update(await client.sessions.list())
      } catch {
        // the sessions list shows what went wrong
      } finally {
        busy = false
      }
    }
    void tick()
    const timer = setInterval(() => void tick(), TRACK_MS)
    return () => {
      clearInterval(timer)
      unsubscribe()
    }
  }, [tracker])
  return { tracker, count }
}

function Shell({ client, signOut }: { client: ClaudeAgentClient; signOut: (p?: Problem) => void }) {
  const queue = useMemo(() => new ApprovalQueue(), [client])
  const { tracker, count } = useTracker(client)
  const [notifying, setNotifying] = useState(notificationsOn())
  useEffect(() => {
    document.title = count ? `(${count}) ${TITLE}` : TITLE
  }, [count])
  const id = sessionOf(useRoute())
  return (
    <>
      <nav class="top" aria-label="console">
        <a href="#/" class="brand">
          {TITLE}
        </a>
        <span class="queue" role="status" aria-label="approvals waiting">
          {count ? `${count} waiting` : ''}
        </span>
        {notificationsSupported() && (
          <button
            type="button"
            aria-pressed={notifying}
            onClick={() => {
              if (!notifying) return void enableNotifications().then(setNotifying)
              disableNotifications()
              setNotifying(false)
            }}
          >
            {notifying ? 'Notifications on' : 'Notify me'}
          </button>
        )}
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </nav>
      {id ? (
        <SessionView key={id} client={client} id={id} queue={queue} />
      ) : (
        <SessionsList client={client} tracker={tracker} onAuthProblem={signOut} />
      )}
    </>
  )
}

type Phase =
  | { name: 'checking' }
  | { name: 'token'; reason?: string }
  | { name: 'ready'; client: ClaudeAgentClient }
  | { name: 'failed'; problem: Problem }

export function App() {
  const [token, setToken] = useState(storedToken())
  const [phase, setPhase] = useState<Phase>({ name: 'checking' })
  useEffect(() => {
    const client = createClient(token)
    setPhase({ name: 'checking' })
    client.sessions.list().then(
      () => setPhase({ name: 'ready', client }),
      (error: unknown) => {
        const problem = describeError(error)
        if (isAuthProblem(problem)) setPhase({ name: 'token', ...(token && { reason: problemText(problem) }) })
        else setPhase({ name: 'failed', problem })
      },
    )
  }, [token])
  const signOut = (problem?: Problem) => {
    forgetToken()
    setToken(undefined)
    if (problem) setPhase({ name: 'token', reason: problemText(problem) })
  }
  if (phase.name === 'checking') return <p role="status">Connecting…</p>
  if (phase.name === 'failed')
    return (
      <div role="alert" class="problem">
        The server did not answer: {problemText(phase.problem)}
      </div>
    )
  if (phase.name === 'token')
    return (
      <TokenPage
        {...(phase.reason && { reason: phase.reason })}
        accepted={(t) => {
          storeToken(t)
          setToken(t)
        }}
      />
    )
  return <Shell client={phase.client} signOut={signOut} />
}
