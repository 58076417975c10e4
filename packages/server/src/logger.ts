// The server's leveled logger, on pino: one JSON object a line when stdout is not a terminal
// (for log collectors), a readable line when it is (log-format.ts). Every message and every
// field value passes through the process's secret registry (secrets.ts) before it is written,
// and the finished line once more, so a key or token never reaches the log.
import { pino, type Logger as PinoLogger } from 'pino'
import { formatPretty } from './log-format.js'
import { secrets as registry, MIN_SECRET_LENGTH } from './secrets.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type LogFormat = 'json' | 'pretty'
/** Structured context for a line: `{ sessionId }`, `{ requestId }`, `{ status }`, ... */
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger whose every line also carries `fields` (a session's id, a request's id). */
  child(fields: LogFields): Logger
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
  /** @default 'pretty' when stdout is a terminal, else 'json' */
  format?: LogFormat
  /** Where each finished line goes (no trailing newline). @default stdout */
  write?: (line: string) => void
}

/** Readable lines for a person at a terminal, JSON for everything else. */
export const defaultLogFormat = (): LogFormat => (process.stdout.isTTY ? 'pretty' : 'json')

export function createLogger(options: LoggerOptions = {}): Logger {
  const extra = options.secrets ?? (() => [])
  const clean = (text: string) => scrubSecrets(registry.scrub(text), extra())
  const format = options.format ?? defaultLogFormat()
  const out = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const destination = {
    write(chunk: string) {
      const line = clean(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk)
      out(format === 'pretty' ? formatPretty(line) : line)
    },
  }
  const root = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  )
  return wrap(root, (value) => scrubValue(value, clean))
}

type Scrub = (value: unknown) => unknown

function wrap(target: PinoLogger, scrub: Scrub): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      if (!target.isLevelEnabled(level)) return
      const text = scrub(message) as string
      if (fields === undefined) target[level](text)
      else target[level](scrub(fields) as object, text)
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(target.child(scrub(fields) as object), scrub),
  }
}

/** Strings scrubbed wherever they sit in a field value; an Error becomes its message and stack. */
function scrubValue(value: unknown, clean: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return clean(value)
  if (value instanceof Error) return { type: value.name, message: clean(value.message), stack: clean(value.stack ?? '') }
  if (value === null || typeof value !== 'object' || depth > 8) return value
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, clean, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) out[key] = scrubValue(v, clean, depth + 1)
  return out
}
