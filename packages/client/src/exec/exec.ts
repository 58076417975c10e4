// exec(): run a command in a session (`POST /sessions/:id/exec`) and follow its NDJSON output,
// calling onStdout/onStderr as each line arrives. A command that starts and fails is a result
// with its exit code; one that cannot start is `REQUEST_FAILED` (`wireError.code` `EXEC_FAILED`).
import type { ExecExitLine, ExecRequest } from '@claude-agent/protocol'
import { ExecLineSchema, ExecRequestSchema, FILES_FRAME, describeIssues, summarizeIssues } from '@claude-agent/protocol'
import { ClaudeAgentClientError } from '../errors.js'
import { serverFetch, type ServerTarget } from '../http/request.js'
import { httpEndpoint, pathSegment } from '../urls.js'

export interface ExecOptions {
  /** Arguments, passed as is (no shell); with `shell: true` they are `$1`, `$2`, ... @default [] */
  args?: string[]
  /** Run `command` as a bash command line (`/bin/bash -c`). @default false */
  shell?: boolean
  /** A directory relative to the session's working directory, and inside it. @default the session's cwd */
  cwd?: string
  /** Added to the command's minimal environment (PATH, HOME, TMPDIR, LANG). @default {} */
  env?: Record<string, string>
  /** Written to standard input, which is then closed. @default empty */
  stdin?: string
  /** The server kills the command's process group after this long (the result has `timedOut`). @default 600_000 */
  timeoutMs?: number
  /** Each chunk of standard output as it arrives (UTF-8; not split into lines). */
  onStdout?: (data: string) => void
  /** Each chunk of standard error as it arrives. */
  onStderr?: (data: string) => void
  /** The session to run in. @default the client's session (`default` for `/ws`) */
  sessionId?: string
  /** Aborting rejects with `signal.reason`; the server kills the command when the request goes. */
  signal?: AbortSignal
}

export interface ExecResult {
  /** The exit code, or null when a signal ended the command. */
  exitCode: number | null
  /** The signal that ended it (e.g. `SIGKILL`), or null. */
  signal: string | null
  /** Everything written to standard output. */
  stdout: string
  /** Everything written to standard error. */
  stderr: string
  /** The server killed it at `timeoutMs`. */
  timedOut: boolean
}

export async function exec(target: ServerTarget, sessionId: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const request = execRequest(command, options)
  const url = httpEndpoint(target.baseUrl, `/sessions/${pathSegment(sessionId, 'session id')}/exec`)
  const response = await serverFetch({
    ...target,
    ...(options.signal && { signal: options.signal }),
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    logBody: { command: request.command, args: request.args, shell: request.shell, cwd: request.cwd },
    failureCode: 'REQUEST_FAILED',
  })
  const output = { stdout: '', stderr: '' }
  let exit: ExecExitLine | undefined
  try {
    for await (const line of ndjsonLines(response)) {
      const parsed = ExecLineSchema.safeParse(parseJson(line))
      if (!parsed.success)
        throw new ClaudeAgentClientError('INVALID_SERVER_FRAME', `An exec output line does not parse: ${line.slice(0, 200)}`)
      const value = parsed.data
      if (value.type === FILES_FRAME.exit) exit = value
      else {
        output[value.type] += value.data
        const callback = value.type === FILES_FRAME.stdout ? options.onStdout : options.onStderr
        try {
          callback?.(value.data)
        } catch (error) {
          // Leaving the loop cancels the request: the server kills the command.
          throw new ClaudeAgentClientError('HANDLER_FAILED', `An exec ${value.type} callback threw: ${String(error)}`, { cause: error })
        }
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    if (error instanceof ClaudeAgentClientError) throw error
    throw new ClaudeAgentClientError('RESPONSE_INCOMPLETE', `The output of ${command} broke off: ${String(error)}`, { cause: error })
  }
  if (!exit)
    throw new ClaudeAgentClientError('RESPONSE_INCOMPLETE', `The output of ${command} ended without an exit status (the server stopped?)`)
  return { exitCode: exit.code, signal: exit.signal, timedOut: exit.timedOut, ...output }
}

/** The wire request, validated before anything is sent. */
function execRequest(command: string, options: ExecOptions): ExecRequest {
  const request: ExecRequest = { command }
  for (const key of ['args', 'shell', 'cwd', 'env', 'stdin', 'timeoutMs'] as const) {
    if (options[key] !== undefined) (request as Record<string, unknown>)[key] = options[key]
  }
  const checked = ExecRequestSchema.safeParse(request)
  if (!checked.success)
    throw new ClaudeAgentClientError('INVALID_ARGUMENT', `Invalid exec request: ${summarizeIssues(describeIssues(checked.error))}`)
  return checked.data
}

/** The body's lines, as they arrive (UTF-8 decoded across chunk boundaries). */
async function* ndjsonLines(response: Response): AsyncGenerator<string> {
  const reader = response.body?.getReader()
  if (!reader) return
  const decoder = new TextDecoder()
  let buffered = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffered += decoder.decode(value, { stream: true })
      let newline: number
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        if (line.trim()) yield line
      }
    }
    buffered += decoder.decode()
    if (buffered.trim()) yield buffered
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}
