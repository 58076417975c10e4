// A small leveled logger that scrubs every known secret value from what it prints, so a key
// that slips into an error message still never reaches a log line.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** Replace each secret (of 8+ characters, to avoid scrubbing common words) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]')
  return out
}

export function createLogger(options: { level?: LogLevel; secrets?: () => readonly string[] } = {}): Logger {
  const threshold = ORDER[options.level ?? 'info']
  const secrets = options.secrets ?? (() => [])
  const write = (level: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (ORDER[level] < threshold) return
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${scrubSecrets(message, secrets())}`
    if (level === 'error' || level === 'warn') console.error(line)
    else console.log(line)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}
