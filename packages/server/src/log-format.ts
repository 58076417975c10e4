// Readable log lines for a terminal, from pino's JSON line: our own few lines instead of
// pino-pretty, which would add a dozen dependencies and a worker thread for one format.
const SHOWN_FIRST = new Set(['time', 'level', 'msg'])

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
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`)
  const level = String(entry['level'] ?? '').toUpperCase()
  return [String(entry['time'] ?? ''), level.padEnd(5), String(entry['msg'] ?? ''), ...fields].join(' ')
}
