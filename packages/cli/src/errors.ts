// How a command fails: a UsageError is the user's mistake (exit 2, with a pointer to --help);
// anything else is reported as one line with the client's error code when there is one.
import { isClaudeAgentClientError } from '@claude-agent/client'
import { printable } from './scrub.js'

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** One line for the screen; a server's message may quote untrusted text (a path, a name). */
export function describeError(error: unknown): string {
  return printable(errorText(error))
}

function errorText(error: unknown): string {
  if (isClaudeAgentClientError(error)) {
    const server = error.serverCode && error.serverCode !== error.code ? ` (${error.serverCode})` : ''
    return `${error.code}${server}: ${error.message}`
  }
  if (error instanceof Error) return error.message
  return String(error)
}

/** An interactive command's failure, said in red on stderr: bad usage is thrown on (main says it). */
export function interactiveFailure(error: unknown, write: (text: string) => void, red: (text: string) => string): number {
  if (error instanceof UsageError) throw error
  write(red(`claude-agent: ${describeError(error)}\n`))
  return EXIT.failed
}
