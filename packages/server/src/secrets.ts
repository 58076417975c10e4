// The one registry of secret values the process knows: model keys from the environment, bearer
// tokens (configured or generated), and every key posted in a session's config. Every log line
// and every error message passes through `scrub`, so a secret that slips into a message still
// never reaches a log or a client. Process-wide on purpose: no logger or error path can miss it.

/** Shorter values are not scrubbed: they would blank out common words. */
export const MIN_SECRET_LENGTH = 8

/** `access_token=<value>` in a URL's query (how browsers pass a token to a WebSocket). */
const QUERY_TOKEN = /([?&](?:access_token|token)=)[^&#\s"'<>]*/gi

export class SecretRegistry {
  /** Known for the life of the process (environment, tokens). */
  private readonly fixed = new Set<string>()
  /** Held by an owner (a session's posted key), replaced or dropped with it. */
  private readonly held = new Map<string, string>()

  add(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.fixed.add(value)
  }

  /** The secret `owner` holds now (undefined drops it): a posted key lives as long as its session's config. */
  hold(owner: string, value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.held.set(owner, value)
    else this.held.delete(owner)
  }

  values(): string[] {
    return [...this.fixed, ...this.held.values()]
  }

  /** The text with every known secret and every query-string token replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text.replace(QUERY_TOKEN, '$1[redacted]')
    // Longest first, so a secret that contains another is redacted whole.
    for (const secret of this.values().sort((a, b) => b.length - a.length)) out = out.split(secret).join('[redacted]')
    return out
  }
}

/** The process's registry. */
export const secrets = new SecretRegistry()

export const scrub = (text: string): string => secrets.scrub(text)
