// Opt-in debug logging. Callers pass only redacted data; as a second line of defence every line
// is scrubbed of the secrets the client knows (tokens, API keys) before it is written.
export type DebugLog = (message: string, detail?: unknown) => void

const PREFIX = '[claude-agent]'
const REDACTED = '[redacted]'

/**
 * A logger writing to console.error when enabled, a no-op otherwise. `secrets` is read at each
 * call, so a token learned later (from a provider) is scrubbed too.
 */
export function createDebugLog(enabled: boolean, secrets: ReadonlySet<string> = new Set()): DebugLog {
  if (!enabled) return () => {}
  const scrub = (text: string) => {
    let out = text
    // Short values would redact ordinary words; real tokens and keys are long.
    for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join(REDACTED)
    return out
  }
  return (message, detail) => {
    if (detail === undefined) console.error(PREFIX, scrub(message))
    else console.error(PREFIX, scrub(message), scrub(typeof detail === 'string' ? detail : safeJson(detail)))
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}
