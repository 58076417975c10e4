// The request target (path and query), parsed in one place for HTTP routes and WebSocket
// upgrades. Every percent-escape is decoded strictly here, so a malformed one (`%zz`, `%`,
// `%uD83D`, invalid UTF-8) is a 400 INVALID_REQUEST and never throws deeper in.
import { ServerError } from '../errors.js'

/** Decodes one path segment or query component; a malformed escape throws INVALID_REQUEST
 * naming `field` (`path`, `query`, or the parameter's name). */
export function decodeComponent(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ServerError(
      'INVALID_REQUEST',
      `Malformed percent-escape in ${field === 'path' || field === 'query' ? `the ${field}` : field}`,
      {
        issues: [{ path: field, message: 'malformed percent-escape' }],
      },
    )
  }
}

/** The raw query (after `?`, without decoding): it may hold a token, so it is never echoed. */
function rawQuery(target: string): string {
  const at = target.indexOf('?')
  return at < 0 ? '' : target.slice(at + 1).split('#')[0]!
}

/** `?access_token=` without failing on the rest of the target (auth runs before parsing). */
export function queryParamLeniently(target: string | undefined, name: string): string | null {
  return new URLSearchParams(rawQuery(target ?? '/')).get(name)
}

function toUrl(target: string): URL {
  // Origin form is joined to a fixed origin, so `//host/x` stays a path and never names a host.
  if (target.startsWith('/')) return new URL(`http://localhost${target}`)
  // Absolute form (`GET http://host/path`), which HTTP/1.1 servers must accept: only its path counts.
  if (/^https?:\/\//i.test(target)) {
    const absolute = new URL(target)
    return new URL(`http://localhost${absolute.pathname}${absolute.search}`)
  }
  throw new ServerError('INVALID_REQUEST', 'The request target must be a path starting with /', {
    issues: [{ path: 'path', message: 'origin-form or absolute-form target' }],
  })
}

/** The URL of a request target, its escapes not checked yet (auth runs first). */
export function requestUrl(target: string | undefined): URL {
  try {
    return toUrl(target ?? '/')
  } catch (err) {
    if (err instanceof ServerError) throw err
    throw new ServerError('INVALID_REQUEST', 'The request target is not a valid URL path', {
      issues: [{ path: 'path', message: 'not a URL path' }],
    })
  }
}

/** The URL of a request; its path segments and query are known to decode. */
export function parseRequestTarget(target: string | undefined): URL {
  const url = requestUrl(target)
  for (const segment of url.pathname.split('/')) decodeComponent(segment, 'path')
  for (const pair of url.search.slice(1).split('&')) {
    const [name = '', ...value] = pair.split('=')
    const decodedName = decodeComponent(name.replaceAll('+', ' '), 'query')
    decodeComponent(value.join('=').replaceAll('+', ' '), decodedName.slice(0, 64) || 'query')
  }
  return url
}
