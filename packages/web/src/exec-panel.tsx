// Run a command in the session's sandbox (a bash command line), its output streamed as it comes.
import type { Commands } from '@claude-agent/client'
import { useRef, useState } from 'preact/hooks'
import { describeError, problemText } from './api'

export function ExecPanel({ commands }: { commands: Commands }) {
  const [command, setCommand] = useState('')
  const [output, setOutput] = useState('')
  const [status, setStatus] = useState<string>()
  const running = useRef<AbortController | undefined>(undefined)
  const run = async () => {
    if (!command.trim() || running.current) return
    const abort = new AbortController()
    running.current = abort
    setOutput('')
    setStatus('running…')
    try {
      const result = await commands.run(command, {
        shell: true,
        signal: abort.signal,
        onStdout: (d) => setOutput((o) => o + d),
        onStderr: (d) => setOutput((o) => o + d),
      })
      setStatus(result.exitCode === null ? 'ended by a signal' : `exit ${result.exitCode}`)
    } catch (error) {
      setStatus(problemText(describeError(error)))
    } finally {
      running.current = undefined
    }
  }
  return (
    <section class="exec" aria-label="exec">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void run()
        }}
      >
        <input aria-label="command" placeholder="ls -la" value={command} onInput={(e) => setCommand(e.currentTarget.value)} />
        <button type="submit" class="primary">
          Run
        </button>
        <button type="button" onClick={() => running.current?.abort()}>
          Stop
        </button>
      </form>
      {status && (
        <div role="status" aria-label="exec status">
          {status}
        </div>
      )}
      <pre class="output" aria-label="exec output">
        {output}
      </pre>
    </section>
  )
}
