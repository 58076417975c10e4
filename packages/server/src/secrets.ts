// The one registry of secret values the process knows: model keys from the environment, bearer
// tokens (configured or generated), and every key posted in a session's config. Every log line
// and every error message passes through `scrub`, so a secret that slips into a message still
// never reaches a log or a client. Process-wide on purpose: no logger or error path can miss it.

/** Shorter values are not scrubbed: they would blank out common words. */
export const MIN_SECRET_LENGTH = 8

/** `access_token=<value>` (how browsers pass a token to a WebSocket) or `token=<value>` in a URL's query. */
const QUERY_TOKEN = /([?&](?:access_token|token)=)[^&#\s"'<>]*?(?=[&#\s"'<>]|:\s|$)/gi

/** Posted keys kept at most (the oldest go first), so scrubbing stays cheap whatever clients post. */
export const MAX_POSTED_SECRETS = 10_000

export class SecretRegistry {
  /** Known for the life of the process (environment, tokens). */
  private readonly fixed = new Set<string>()
  /** Keys clients posted: kept after their session changes or goes, since they stay secret. */
  private readonly posted = new Set<string>()
  /** Longest first, so a secret that contains another is redacted whole; rebuilt on change. */
  private sorted: string[] | undefined

  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    this.fixed.add(value)
    this.sorted = undefined
  }

  /** A key a client posted (a session's config). */
  addPosted(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    this.posted.delete(value)
    this.posted.add(value)
    if (this.posted.size > MAX_POSTED_SECRETS) this.posted.delete(this.posted.values().next().value as string)
    this.sorted = undefined
  }

  values(): string[] {
    return [...this.fixed, ...this.posted]
  }

  /** The text with every known secret and every query-string token replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text.replace(QUERY_TOKEN, '$1[redacted]')
    this.sorted ??= this.values().sort((a, b) => b.length - a.length)
    for (const secret of this.sorted) if (out.includes(secret)) out = out.split(secret).join('[redacted]')
    return out
  }
}

/** The process's registry. */
export const secrets = new SecretRegistry()

export const scrub = (text: string): string => secrets.scrub(text)
