// One session: its conversation live, approvals inline, the composer (Enter sends, Shift+Enter
// a new line), interrupt (Esc or the button), model and permission mode; files and exec tabs.
import type { ClaudeAgentClient, PermissionMode } from '@claude-agent/client'
import { useEffect, useRef, useState } from 'preact/hooks'
import { describeError, problemText } from './api'
import { ApprovalCard } from './approval-card'
import type { ApprovalQueue } from './approvals'
import { ExecPanel } from './exec-panel'
import { FilesPanel } from './files-panel'
import { ItemList, money } from './messages'
import { useSession } from './use-session'

/** A long session shows its latest items first, and this many more each time earlier ones are
 * asked for: rendering thousands of messages at once froze the page (5,000 events: 42 s). */
export const PAGE_ITEMS = 200

const MODES: PermissionMode[] = ['default', 'acceptEdits', 'plan', 'bypassPermissions', 'dontAsk']

interface SessionViewProps {
  client: ClaudeAgentClient
  id: string
  queue: ApprovalQueue
  /** The token may watch, not drive (a viewer; a member on another's session). */
  readOnly: boolean
}

export function SessionView({ client, id, queue, readOnly }: SessionViewProps) {
  const handle = useSession(client, id, queue)
  const { connection, conversation, state } = handle
  const [tab, setTab] = useState<'chat' | 'files' | 'exec'>('chat')
  const [draft, setDraft] = useState('')
  const [note, setNote] = useState<string>()
  const [model, setModel] = useState('')
  const [, setQueueVersion] = useState(0)
  useEffect(() => queue.subscribe(() => setQueueVersion((v) => v + 1)), [queue])
  const [shown, setShown] = useState(PAGE_ITEMS)
  const bottom = useRef<HTMLDivElement>(null)
  useEffect(() => bottom.current?.scrollIntoView?.({ block: 'end' }), [handle.version])

  // What is loaded but not shown comes first; then earlier events from the server.
  const showEarlier = async () => {
    if (conversation.items.length <= shown) await handle.loadEarlier()
    setShown((n) => n + PAGE_ITEMS)
  }

  const interrupt = () => {
    try {
      connection?.interrupt()
    } catch (error) {
      setNote(problemText(describeError(error)))
    }
  }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && conversation.running && !readOnly && interrupt()
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  })

  const send = () => {
    const text = draft.trim()
    if (!text || !connection || readOnly) return
    setDraft('')
    connection.prompt(text).catch((error: unknown) => setNote(problemText(describeError(error))))
  }
  const control = (what: Promise<unknown>, done: string) =>
    what.then(
      () => setNote(done),
      (error: unknown) => setNote(problemText(describeError(error))),
    )
  const approvals = queue.forSession(id)

  return (
    <main class="session" aria-label={`session ${id}`}>
      <header class="session-head">
        <a href="#/" aria-label="back to sessions">
          ←
        </a>
        <h1>{id}</h1>
        <span class={`conn conn-${state}`} role="status" aria-label="connection">
          {state}
        </span>
        <span class="cost" aria-label="session cost">
          {money(conversation.costUsd)}
          {handle.earlierTo > 0 && ' (turns shown)'}
        </span>
        <nav class="tabs" aria-label="session views">
          {(['chat', 'files', 'exec'] as const).map((t) => (
            <button key={t} type="button" aria-pressed={tab === t} onClick={() => setTab(t)}>
              {t === 'chat' ? 'Conversation' : t === 'files' ? 'Files' : 'Exec'}
            </button>
          ))}
        </nav>
      </header>
      {handle.problem && (
        <div role="alert" class="problem">
          {problemText(handle.problem)}
        </div>
      )}
      {readOnly && (
        <p role="note" class="note">
          Read only: your token can watch this session, not send to it or answer its approvals.
        </p>
      )}
      {note && (
        <div role="status" class="note">
          {note}
        </div>
      )}
      {tab === 'files' && connection && <FilesPanel files={connection.files} />}
      {tab === 'exec' && connection && <ExecPanel commands={connection.commands} />}
      {tab === 'chat' && (
        <>
          <section class="conversation" aria-label="conversation" aria-live="polite">
            {(conversation.items.length > shown || handle.earlierTo > 0) && (
              <button type="button" class="earlier" onClick={() => void showEarlier()}>
                Show earlier messages
              </button>
            )}
            <ItemList items={conversation.items.slice(-shown)} conversation={conversation} />
            {approvals.map((pending) => (
              <ApprovalCard key={pending.request.requestId} pending={pending} readOnly={readOnly} />
            ))}
            <div ref={bottom} />
          </section>
          <form
            class="composer"
            onSubmit={(e) => {
              e.preventDefault()
              send()
            }}
          >
            <textarea
              aria-label="message"
              placeholder="Message the agent (Enter sends, Shift+Enter new line)"
              value={draft}
              rows={2}
              onInput={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return
                e.preventDefault()
                send()
              }}
            />
            <button type="submit" class="primary" disabled={!connection || readOnly}>
              Send
            </button>
            <button type="button" onClick={interrupt} disabled={!conversation.running || readOnly} aria-label="interrupt (Esc)">
              Interrupt
            </button>
          </form>
          <details class="controls">
            <summary>Model and mode</summary>
            <input aria-label="model" placeholder="model (empty: default)" value={model} onInput={(e) => setModel(e.currentTarget.value)} />
            <button
              type="button"
              disabled={!connection || readOnly}
              onClick={() => connection && void control(connection.control.setModel(model || undefined), `Model: ${model || 'default'}`)}
            >
              Set model
            </button>
            <select
              aria-label="permission mode"
              disabled={!connection || readOnly}
              onChange={(e) => {
                const mode = e.currentTarget.value as PermissionMode
                if (connection) void control(connection.control.setPermissionMode(mode), `Permission mode: ${mode}`)
              }}
            >
              {MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </details>
        </>
      )}
    </main>
  )
}
