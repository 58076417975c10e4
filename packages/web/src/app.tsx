// The console's shell: the token check, the hash routes (#/ the sessions, #/sessions/<id> one
// session: the hash never reaches the server, so no route can shadow an API path), the approval
// count in the title, notifications opt-in.
import type { ClaudeAgentClient } from '@claude-agent/client'
import type { LiveSession, Principal } from '@claude-agent/protocol'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { createClient, describeError, isAuthProblem, problemText, type Problem } from './api'
import { ApprovalQueue } from './approvals'
import { watchSessions } from './live-sessions'
import { readOnlyFor } from './read-only'
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

/** The sessions as the server pushes them, and the approvals waiting across them (read from
 * their logs each time a list shows a session's log grew). */
function useLiveSessions(client: ClaudeAgentClient, token: string | undefined, signOut: (p?: Problem) => void) {
  const tracker = useMemo(() => new PendingTracker(client, (id, tool) => notify(`Approval needed in ${id}`, tool)), [client])
  const [count, setCount] = useState(0)
  const [sessions, setSessions] = useState<LiveSession[]>()
  const [problem, setProblem] = useState<Problem>()
  const [principal, setPrincipal] = useState<Principal>()
  useEffect(() => {
    const unsubscribe = tracker.subscribe(() => setCount(tracker.total))
    // One read of the logs at a time; a list that arrives meanwhile is read after it.
    let busy = false
    let next: LiveSession[] | undefined
    const track = async (list: LiveSession[]) => {
      next = list
      if (busy) return
      busy = true
      try {
        while (next) {
          const now = next
          next = undefined
          await tracker.update(now).catch(() => undefined)
        }
      } finally {
        busy = false
      }
    }
    const stop = watchSessions(token, {
      list: (list, you) => {
        setSessions(list)
        setPrincipal(you)
        void track(list)
      },
      problem: (p) => {
        if (p && isAuthProblem(p)) signOut(p)
        setProblem(p)
      },
    })
    return () => {
      stop()
      unsubscribe()
    }
  }, [tracker])
  return { tracker, count, sessions, problem, principal }
}

function Shell({ client, token, signOut }: { client: ClaudeAgentClient; token: string | undefined; signOut: (p?: Problem) => void }) {
  const queue = useMemo(() => new ApprovalQueue(), [client])
  const { tracker, count, sessions, problem, principal } = useLiveSessions(client, token, signOut)
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
        <SessionView
          key={id}
          client={client}
          id={id}
          queue={queue}
          readOnly={readOnlyFor(
            principal,
            sessions?.find((s) => s.id === id),
          )}
        />
      ) : (
        <SessionsList client={client} tracker={tracker} sessions={sessions} problem={problem} principal={principal} />
      )}
    </>
  )
}

type Phase =
  | { name: 'checking' }
  | { name: 'token'; reason?: string }
  | { name: 'ready'; client: ClaudeAgentClient; token: string | undefined }
  | { name: 'failed'; problem: Problem }

export function App() {
  const [token, setToken] = useState(storedToken())
  const [phase, setPhase] = useState<Phase>({ name: 'checking' })
  useEffect(() => {
    let client: ClaudeAgentClient
    try {
      client = createClient(token)
    } catch (error) {
      // A stored token no request can carry (INVALID_ARGUMENT): ask for another.
      forgetToken()
      return setPhase({ name: 'token', reason: problemText(describeError(error)) })
    }
    setPhase({ name: 'checking' })
    client.sessions.list().then(
      () => setPhase({ name: 'ready', client, token }),
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
  return <Shell client={phase.client} token={phase.token} signOut={signOut} />
}
