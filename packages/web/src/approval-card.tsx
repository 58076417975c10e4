// One tool approval inline: allow, allow for the session, allow with an edited input, or deny
// with a message for the model.
import { useState } from 'preact/hooks'
import type { PendingApproval } from './approvals'
import { revealed, revealedJson } from './reveal'

export function ApprovalCard({ pending, readOnly = false }: { pending: PendingApproval; readOnly?: boolean }) {
  const { request } = pending
  const [message, setMessage] = useState('')
  const [edited, setEdited] = useState(() => revealedJson(request.input))
  const [problem, setProblem] = useState<string>()
  const allowEdited = () => {
    try {
      const input = JSON.parse(edited) as unknown
      if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('the input must be a JSON object')
      pending.answer({ behavior: 'allow', updatedInput: input as Record<string, unknown> })
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error))
    }
  }
  const title = request.title ?? `Allow ${request.toolName}?`
  return (
    <section class="approval" role="group" aria-label={`approval for ${request.toolName}`}>
      <header>
        <strong>{revealed(title)}</strong>
        {request.description && <div>{revealed(request.description)}</div>}
      </header>
      <details>
        <summary>Edit input</summary>
        <textarea aria-label="tool input (JSON)" value={edited} rows={6} onInput={(e) => setEdited(e.currentTarget.value)} />
        <button type="button" disabled={readOnly} onClick={allowEdited}>
          Allow with edited input
        </button>
        {problem && <div role="alert">{problem}</div>}
      </details>
      <pre class="input" aria-label="requested input">
        {revealedJson(request.input)}
      </pre>
      <div class="approval-actions">
        <button type="button" class="primary" disabled={readOnly} onClick={() => pending.answer({ behavior: 'allow' })}>
          Allow
        </button>
        <button type="button" disabled={readOnly} onClick={() => pending.answer({ behavior: 'allow', scope: 'session' })}>
          Allow for session
        </button>
        <input
          aria-label="deny message"
          placeholder="Why not (told to the model)"
          value={message}
          onInput={(e) => setMessage(e.currentTarget.value)}
        />
        <button
          type="button"
          class="danger"
          disabled={readOnly}
          onClick={() => pending.answer(message ? { behavior: 'deny', message } : { behavior: 'deny' })}
        >
          Deny
        </button>
      </div>
    </section>
  )
}
