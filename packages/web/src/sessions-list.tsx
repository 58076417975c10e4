// The server's sessions, live (polled: the list has no event stream of its own): state, attached
// clients, last event, pending approvals; create (model, permission mode, directory, system
// prompt), delete, filter.
import type { ClaudeAgentClient, CreateSessionRequest, PermissionMode, SessionInfo } from '@claude-agent/client'
import { useEffect, useState } from 'preact/hooks'
import { describeError, isAuthProblem, problemText, type Problem } from './api'
import { money } from './messages'
import type { PendingTracker } from './pending-tracker'

const POLL_MS = 2_000

function useSessions(client: ClaudeAgentClient, onAuthProblem: (p: Problem) => void) {
  const [sessions, setSessions] = useState<SessionInfo[]>()
  const [problem, setProblem] = useState<Problem>()
  const refresh = async () => {
    try {
      setSessions(await client.sessions.list())
      setProblem(undefined)
    } catch (error) {
      const p = describeError(error)
      if (isAuthProblem(p)) onAuthProblem(p)
      setProblem(p)
    }
  }
  useEffect(() => {
    void refresh()
    const timer = setInterval(() => void refresh(), POLL_MS)
    return () => clearInterval(timer)
  }, [client])
  return { sessions, problem, refresh }
}

function CreateForm({ client, created }: { client: ClaudeAgentClient; created: (id: string) => void }) {
  const [fields, setFields] = useState({ id: '', model: '', permissionMode: 'default', cwd: '', systemPrompt: '' })
  const [problem, setProblem] = useState<string>()
  const set = (name: keyof typeof fields) => (e: { currentTarget: { value: string } }) =>
    setFields({ ...fields, [name]: e.currentTarget.value })
  const submit = async () => {
    const config: NonNullable<CreateSessionRequest['config']> = { permissionMode: fields.permissionMode as PermissionMode }
    if (fields.model) config.model = fields.model
    if (fields.cwd) config.cwd = fields.cwd
    if (fields.systemPrompt) config.systemPrompt = fields.systemPrompt
    try {
      const info = await client.sessions.create({ ...(fields.id && { id: fields.id }), config })
      created(info.id)
    } catch (error) {
      setProblem(problemText(describeError(error)))
    }
  }
  return (
    <form
      class="create"
      aria-label="new session"
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      <label>
        Id <input value={fields.id} onInput={set('id')} placeholder="generated" />
      </label>
      <label>
        Model <input value={fields.model} onInput={set('model')} placeholder="server default" />
      </label>
      <label>
        Permission mode
        <select value={fields.permissionMode} onChange={set('permissionMode')}>
          {['default', 'acceptEdits', 'plan', 'bypassPermissions', 'dontAsk'].map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        Working directory <input value={fields.cwd} onInput={set('cwd')} placeholder="the workspace" />
      </label>
      <label>
        System prompt <textarea value={fields.systemPrompt} onInput={set('systemPrompt')} rows={2} />
      </label>
      <button type="submit" class="primary">
        Create session
      </button>
      {problem && <div role="alert">{problem}</div>}
    </form>
  )
}

export function SessionsList(props: { client: ClaudeAgentClient; tracker: PendingTracker; onAuthProblem: (p: Problem) => void }) {
  const { sessions, problem, refresh } = useSessions(props.client, props.onAuthProblem)
  const [filter, setFilter] = useState('')
  const [note, setNote] = useState<string>()
  const remove = async (id: string) => {
    if (!confirm(`Delete session ${id} and its history?`)) return
    try {
      await props.client.sessions.delete(id)
      await refresh()
    } catch (error) {
      setNote(problemText(describeError(error)))
    }
  }
  const shown = (sessions ?? []).filter(
    (s) => !filter || s.id.includes(filter) || s.state.includes(filter) || (s.config.model ?? '').includes(filter),
  )
  return (
    <main class="sessions" aria-label="sessions">
      <header class="bar">
        <h1>Sessions</h1>
        <input
          type="search"
          aria-label="filter sessions"
          placeholder="Filter"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </header>
      {problem && (
        <div role="alert" class="problem">
          {problemText(problem)}
        </div>
      )}
      {note && <div role="status">{note}</div>}
      <table aria-label="session list">
        <thead>
          <tr>
            <th>Session</th>
            <th>State</th>
            <th>Created</th>
            <th>Clients</th>
            <th>Last event</th>
            <th>Approvals</th>
            <th>Cost</th>
            <th>Model</th>
            <th>
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr key={s.id} data-session={s.id}>
              <td>
                <a href={`#/sessions/${encodeURIComponent(s.id)}`}>{s.id}</a>
              </td>
              <td class={`state state-${s.state}`}>{s.state}</td>
              <td>
                <time dateTime={s.createdAt}>{new Date(s.createdAt).toLocaleString()}</time>
              </td>
              <td>{s.clients}</td>
              <td>{s.lastSeq}</td>
              <td class={props.tracker.openIn(s.id) ? 'waiting' : ''}>{props.tracker.openIn(s.id) || ''}</td>
              <td>{money(props.tracker.costOf(s.id) ?? 0)}</td>
              <td>{s.config.model ?? 'default'}</td>
              <td>
                <button type="button" class="danger" aria-label={`delete session ${s.id}`} onClick={() => void remove(s.id)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions && shown.length === 0 && <p>No sessions{filter && ' match'}.</p>}
      <CreateForm client={props.client} created={(id) => (location.hash = `#/sessions/${encodeURIComponent(id)}`)} />
    </main>
  )
}
