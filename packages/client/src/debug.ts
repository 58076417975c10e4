// Opt-in debug logging. Callers pass only redacted data; this file never sees a secret.
export type DebugLog = (message: string, detail?: unknown) => void

const PREFIX = '[claude-agent]'

/** A logger writing to console.error when enabled, a no-op otherwise. */
export function createDebugLog(enabled: boolean): DebugLog {
  if (!enabled) return () => {}
  return (message, detail) => {
    if (detail === undefined) console.error(PREFIX, message)
    else console.error(PREFIX, message, typeof detail === 'string' ? detail : safeJson(detail))
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}
