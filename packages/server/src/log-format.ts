// Readable log lines for a terminal, from pino's JSON line: our own few lines instead of
// pino-pretty, which would add a dozen dependencies and a worker thread for one format.
const SHOWN_FIRST = new Set(['time', 'level', 'msg'])

/** Control characters (a request's decoded path may hold ESC or CR): a terminal would obey them. */
const CONTROL = /\p{Cc}/gu
const escapeControls = (text: string) => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
/** Shown as it is only when nothing in it could be misread: no space, no control character. */
const plain = (value: unknown) => typeof value === 'string' && !/[\s\p{Cc}]/u.test(value)

/**
 * @example
 * formatPretty('{"level":"info","time":"2026-01-01T00:00:00.000Z","sessionId":"a","msg":"agent started"}')
 * // '2026-01-01T00:00:00.000Z INFO  agent started sessionId=a'
 */
export function formatPretty(line: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const fields = Object.entries(entry)
    .filter(([key]) => !SHOWN_FIRST.has(key))
    .map(
      ([key, value]) => `${escapeControls(key)}=${plain(value) ? (value as string) : escapeControls(JSON.stringify(value) ?? 'undefined')}`,
    )
  const level = String(entry['level'] ?? '').toUpperCase()
  return [String(entry['time'] ?? ''), level.padEnd(5), String(entry['msg'] ?? ''), ...fields].map(escapeControls).join(' ')
}
