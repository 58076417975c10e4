// One ClaudeAgentClient per token, on the page's own origin. Errors become one line for a person:
// the wire code (UNAUTHORIZED, FORBIDDEN, SESSION_NOT_FOUND, ...) and the server's message.
import { ClaudeAgentClient, isClaudeAgentClientError } from '@claude-agent/client'

export function createClient(token: string | undefined): ClaudeAgentClient {
  return new ClaudeAgentClient({ connectionUrl: location.origin, label: 'web-console', ...(token ? { token } : {}) })
}

export interface Problem {
  code: string
  message: string
}

export function describeError(error: unknown): Problem {
  if (isClaudeAgentClientError(error)) {
    const wire = error.wireError
    if (wire) return { code: wire.code, message: wire.error }
    return { code: error.code, message: error.message }
  }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) }
}

/** A problem a person can act on: a token problem sends them back to the token page. */
export const isAuthProblem = (p: Problem): boolean => p.code === 'UNAUTHORIZED'

export const problemText = (p: Problem): string => {
  if (p.code === 'FORBIDDEN') return `Not allowed for your token: ${p.message}`
  if (p.code === 'SESSION_NOT_FOUND' || p.code === 'NOT_FOUND') return `Not found: ${p.message}`
  return `${p.code}: ${p.message}`
}
