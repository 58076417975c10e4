// The server's sessions, live (the list the server pushes, app.tsx): state, attached clients,
// last activity, pending approvals, cost; create (model, permission mode, directory, system
// prompt), delete, filter.
import type { ClaudeAgentClient, CreateSessionRequest, PermissionMode } from '@claude-agent/client'
import type { LiveSession, Principal } from '@claude-agent/protocol'
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { describeError, problemText, type Problem } from './api'
import { money } from './messages'
import type { PendingTracker } from './pending-tracker'
import { mayCreate, readOnlyFor } from './read-only'

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

interface SessionsListProps {
  client: ClaudeAgentClient
  tracker: PendingTracker
  /** Undefined until the first list arrives. */
  sessions: LiveSession[] | undefined
  problem: Problem | undefined
  /** Who the token is (with the first list). */
  principal: Principal | undefined
}

const when = (iso: string) => new Date(iso).toLocaleString()

interface Column {
  label: string
  cell(s: LiveSession, tracker: PendingTracker): ComponentChildren
  class?(s: LiveSession, tracker: PendingTracker): string
}

// Explicit table roles: at phone width the rows become labelled cards (CSS display), which
// would otherwise drop the table's semantics.
const COLUMNS: Column[] = [
  { label: 'Session', cell: (s) => <a href={`#/sessions/${encodeURIComponent(s.id)}`}>{s.id}</a> },
  { label: 'State', cell: (s) => s.state, class: (s) => `state state-${s.state}` },
  { label: 'Created', cell: (s) => <time dateTime={s.createdAt}>{when(s.createdAt)}</time>, class: () => 'created' },
  { label: 'Clients', cell: (s) => s.clients },
  {
    label: 'Last activity',
    cell: (s) => (
      <>
        {s.lastEventAt ? <time dateTime={s.lastEventAt}>{when(s.lastEventAt)}</time> : '—'}
        <span class="seq"> #{s.lastSeq}</span>
      </>
    ),
  },
  { label: 'Approvals', cell: (s, t) => t.openIn(s.id) || '', class: (s, t) => (t.openIn(s.id) ? 'waiting' : '') },
  { label: 'Cost', cell: (s, t) => money(t.costOf(s.id) ?? 0) },
  { label: 'Model', cell: (s) => s.config.model ?? 'default' },
]

export function SessionsList(props: SessionsListProps) {
  const { sessions, problem } = props
  const [filter, setFilter] = useState('')
  const [note, setNote] = useState<string>()
  const remove = async (id: string) => {
    if (!confirm(`Delete session ${id} and its history?`)) return
    try {
      // The server pushes the list without it.
      await props.client.sessions.delete(id)
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
      <table aria-label="session list" role="table" class="session-table">
        <thead role="rowgroup">
          <tr role="row">
            {COLUMNS.map((c) => (
              <th key={c.label} role="columnheader">
                {c.label}
              </th>
            ))}
            <th role="columnheader">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {shown.map((s) => (
            <tr key={s.id} data-session={s.id} role="row">
              {COLUMNS.map((c) => (
                <td key={c.label} role="cell" data-label={c.label} class={c.class?.(s, props.tracker)}>
                  {c.cell(s, props.tracker)}
                </td>
              ))}
              <td role="cell" class="actions">
                <button
                  type="button"
                  class="danger"
                  aria-label={`delete session ${s.id}`}
                  disabled={readOnlyFor(props.principal, s)}
                  onClick={() => void remove(s.id)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions && shown.length === 0 && <p>No sessions{filter && ' match'}.</p>}
      {mayCreate(props.principal) ? (
        <CreateForm client={props.client} created={(id) => (location.hash = `#/sessions/${encodeURIComponent(id)}`)} />
      ) : (
        <p role="note">Your token ({props.principal?.id}, a viewer) can watch the sessions shared with it, not create them.</p>
      )}
    </main>
  )
}
