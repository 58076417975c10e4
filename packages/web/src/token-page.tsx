// Asks for the server's token (when it needs one) and checks it before keeping it for the tab.
import { useState } from 'preact/hooks'
import { createClient, describeError, problemText } from './api'

export function TokenPage({ accepted, reason }: { accepted: (token: string) => void; reason?: string }) {
  const [token, setToken] = useState('')
  const [problem, setProblem] = useState(reason)
  const check = async () => {
    try {
      await createClient(token.trim()).sessions.list()
      accepted(token.trim())
    } catch (error) {
      setProblem(problemText(describeError(error)))
    }
  }
  return (
    <main class="token-page" aria-label="sign in">
      <h1>Claude Agent Console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void check()
        }}
      >
        <label>
          Access token{' '}
          <input type="password" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          Open
        </button>
      </form>
      <p class="hint">Kept for this tab only. You can also open the console once as /?token=…</p>
      {problem && <div role="alert">{problem}</div>}
    </main>
  )
}
