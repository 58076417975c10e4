// A small leveled logger. Every line passes through the process's secret registry (secrets.ts),
// so a key or token that slips into a message never reaches the log.
import { secrets as registry, MIN_SECRET_LENGTH } from './secrets.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** Replace each given secret (of 8+ characters, to avoid scrubbing common words) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('[redacted]')
  return out
}

export interface LoggerOptions {
  level?: LogLevel
  /** More values to scrub, beyond the process registry's. */
  secrets?: () => readonly string[]
  /** Where a finished line goes. @default stdout (debug, info) and stderr (warn, error) */
  write?: (level: Exclude<LogLevel, 'silent'>, line: string) => void
}

const toConsole = (level: Exclude<LogLevel, 'silent'>, line: string) =>
  level === 'error' || level === 'warn' ? console.error(line) : console.log(line)

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info']
  const extra = options.secrets ?? (() => [])
  const sink = options.write ?? toConsole
  const write = (level: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (ORDER[level] < threshold) return
    const clean = scrubSecrets(registry.scrub(message), extra())
    sink(level, `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${clean}`)
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}
