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
  /** With many secrets: their first MIN_SECRET_LENGTH characters -> them, longest first, so a
   * line is read once instead of once per secret (10,000 posted keys made each line ~10,000
   * searches). Rebuilt on change. */
  private index: Map<string, string[]> | undefined

  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    this.fixed.add(value)
    this.forget()
  }

  private forget(): void {
    this.sorted = undefined
    this.index = undefined
  }

  /** A key a client posted (a session's config). */
  addPosted(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    this.posted.delete(value)
    this.posted.add(value)
    if (this.posted.size > MAX_POSTED_SECRETS) this.posted.delete(this.posted.values().next().value as string)
    this.forget()
  }

  values(): string[] {
    return [...this.fixed, ...this.posted]
  }

  /** The text with every known secret and every query-string token replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text.replace(QUERY_TOKEN, '$1[redacted]')
    this.sorted ??= this.values().sort((a, b) => b.length - a.length)
    if (this.sorted.length > INDEXED_FROM) return this.scrubIndexed(out)
    for (const secret of this.sorted) if (out.includes(secret)) out = out.split(secret).join('[redacted]')
    return out
  }

  /** One pass over the text: at each place, the longest secret starting there. */
  private scrubIndexed(text: string): string {
    this.index ??= prefixIndex(this.sorted!)
    let out = ''
    let copied = 0
    for (let at = 0; at + MIN_SECRET_LENGTH <= text.length;) {
      const found = this.index.get(text.slice(at, at + MIN_SECRET_LENGTH))?.find((secret) => text.startsWith(secret, at))
      if (!found) {
        at++
        continue
      }
      out += `${text.slice(copied, at)}[redacted]`
      at += found.length
      copied = at
    }
    return copied === 0 ? text : out + text.slice(copied)
  }
}

/** Up to this many secrets, a search for each is cheaper than the index's pass over the text
 * (a long text with the usual two or three). */
const INDEXED_FROM = 32

/** `sorted` (longest first) by their first MIN_SECRET_LENGTH characters, the order kept. */
function prefixIndex(sorted: readonly string[]): Map<string, string[]> {
  const index = new Map<string, string[]>()
  for (const secret of sorted) {
    const key = secret.slice(0, MIN_SECRET_LENGTH)
    const list = index.get(key)
    if (list) list.push(secret)
    else index.set(key, [secret])
  }
  return index
}

/** The process's registry. */
export const secrets = new SecretRegistry()

export const scrub = (text: string): string => secrets.scrub(text)
