// `claude-agent exec ID -- CMD ARGS...`: a command in the session's directory, its output
// streamed through, its exit code ours.
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse } from '../args.js'
import { clientSetup, newClient } from '../connect.js'
import { UsageError } from '../errors.js'
import type { Io } from '../io.js'

export const EXEC_HELP = `Usage: claude-agent exec [--shell] [--cwd DIR] [--timeout MS] ID -- CMD [ARGS...]

Run CMD in session ID's working directory on the server (inside its sandbox); its stdout and
stderr stream here and claude-agent exits with its exit code (128+n for a signal).

  --shell          run CMD ARGS as one bash -c command line
  --cwd DIR        a directory relative to the session's
  --timeout MS     kill it after MS milliseconds (server default: 10 minutes)

${CONNECTION_HELP}`

const OPTIONS = { ...CONNECTION_OPTIONS, shell: { type: 'boolean' }, cwd: { type: 'string' }, timeout: { type: 'string' } } as const
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

export async function exec(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  if (values.help) return io.print(EXEC_HELP)
  const [id, command, ...args] = positionals
  if (!id || !command) throw new UsageError('exec needs a session ID and a command: claude-agent exec ID -- CMD [ARGS...]')
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0))
    throw new UsageError('--timeout must be a positive whole number of milliseconds')
  const setup = clientSetup(values, io.env)
  const client = newClient(setup, false)
  try {
    if (setup.starts) await client.start()
    const result = await client.commands.run(values.shell ? [command, ...args].join(' ') : command, {
      ...(values.shell ? { shell: true } : { args }),
      sessionId: id,
      ...(values.cwd ? { cwd: values.cwd } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      onStdout: (chunk) => void io.stdout.write(chunk),
      onStderr: (chunk) => void io.stderr.write(chunk),
    })
    if (result.timedOut) io.stderr.write('claude-agent: the command timed out\n')
    return result.exitCode ?? 128 + (SIGNALS[result.signal ?? ''] ?? 1)
  } finally {
    await client.stop()
  }
}
