// Which request paths the model gateway forwards with the real credential. It already takes
// origin form only (the one upstream host); this keeps the request under the upstream's path
// prefix and off the endpoints whose spending it cannot count against a budget.

export interface PathRefusal {
  status: 400 | 403
  type: 'invalid_request_error' | 'permission_error'
  message: string
}

/** Endpoints that make the model work without an answer that says what it used: a batch runs
 * later, elsewhere; a legacy completion reports no usage. Matched on the path's segments,
 * case-insensitively, whatever follows. */
const UNMETERED = [
  ['v1', 'messages', 'batches'],
  ['v1', 'complete'],
]

/** What a decoded segment may hold: RFC 3986's pchar (unreserved, sub-delims, ':' and '@').
 * The API's paths need no more, and an upstream may trim or cut at the rest (a space, a NUL,
 * a control or non-ASCII character), so that `batches%20` or `batches%00` would reach the
 * endpoint the name check refuses. */
const PLAIN_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/

/** The path's segments, percent-decoded; undefined when an escape is malformed. */
function segments(path: string): string[] | undefined {
  const out: string[] = []
  for (const raw of path.split('/')) {
    try {
      out.push(decodeURIComponent(raw))
    } catch {
      return undefined
    }
  }
  return out
}

/**
 * Why the gateway must not forward `target` (an origin-form request target), or undefined.
 *
 * @example
 * refusedPath('/v1/messages?beta=true') // undefined
 * refusedPath('/v1/%2e%2e/admin')       // { status: 400, ... } (a dot segment, however written)
 * refusedPath('/v1/messages/batches')   // { status: 403, ... }
 */
export function refusedPath(target: string): PathRefusal | undefined {
  const query = target.indexOf('?')
  const parts = segments(query < 0 ? target : target.slice(0, query))
  // A segment's `;` parameters are dropped as an upstream that ignores them would (Java
  // servlets, Spring): `/v1/messages/batches;x` is the batches endpoint there, and `..;` a
  // dot segment (Tomcat resolves `/v1/..;/admin` to `/admin`).
  const plain = parts?.map((s) => s.split(';')[0]!)
  // A dot segment (or one that becomes a slash when a server decodes it) would let the upstream
  // resolve the request outside the prefix the credential is configured for.
  if (!parts || !plain || plain.some((s) => s === '.' || s === '..') || parts.some((s) => !PLAIN_SEGMENT.test(s))) {
    return {
      status: 400,
      type: 'invalid_request_error',
      message:
        'The sandbox model gateway forwards only plain paths: no "." or ".." segments, encoded slashes, spaces, control or non-ASCII characters, or malformed escapes',
    }
  }
  // Trailing dots go too: some servers (IIS, and Windows' file names) drop them.
  const named = plain.map((s) => s.toLowerCase().replace(/\.+$/, '')).filter((s) => s !== '')
  if (UNMETERED.some((prefix) => prefix.every((s, i) => named[i] === s))) {
    return {
      status: 403,
      type: 'permission_error',
      message: `The sandbox model gateway does not forward /${named.slice(0, 3).join('/')}: it cannot count what it spends against the budget`,
    }
  }
  return undefined
}
