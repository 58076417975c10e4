// What went wrong in a call to E2B, said so a user can act on it: the e2b SDK's typed errors
// (a refused key, a rate limit or quota, a sandbox gone) and the fetch failures under them,
// which undici reports as a bare `fetch failed` with the reason hidden in `cause`.
import { describeFetchError } from '../http/request.js'

/** One line naming the cause; `where.url` is the API or sandbox URL the call went to. */
export function describeE2BError(error: unknown, where: { url: string; timeoutMs: number }): string {
  if (!(error instanceof Error)) return String(error)
  switch (error.name) {
    case 'AuthenticationError':
      return `E2B refused the API key (HTTP 401): check \`e2bApiKey\` or E2B_API_KEY (${error.message})`
    case 'RateLimitError':
      return `E2B's rate limit or sandbox quota was reached (HTTP 429): wait, or kill sandboxes you no longer need (${error.message})`
    case 'ServiceBusyError':
      return `E2B is busy (HTTP 503), try again: ${error.message}`
    case 'SandboxNotFoundError':
    case 'NotFoundError':
      return `not found (killed, or its timeout ran out): ${error.message}`
    case 'TimeoutError':
      // AbortSignal.timeout's DOMException and the SDK's own TimeoutError share the name.
      return error instanceof DOMException || /aborted due to timeout/.test(error.message)
        ? `E2B (${where.url}) did not answer within ${where.timeoutMs} ms (requestTimeoutMs)`
        : `the sandbox timed out: ${error.message}`
  }
  if (error.name === 'TypeError' && /fetch failed/.test(error.message)) {
    return `cannot reach E2B at ${where.url} (${describeFetchError(error)}): check the network and the E2B URLs (\`apiUrl\`, \`sandboxUrl\`)`
  }
  return `${error.name}: ${error.message}`
}
