// Query parameters of the file API: `path` and boolean flags, refused with INVALID_REQUEST
// naming the parameter.
import { ServerError } from '../errors.js'

const invalid = (name: string, message: string) =>
  new ServerError('INVALID_REQUEST', `${name}: ${message}`, { issues: [{ path: name, message }] })

/** `?path=`; absent or empty means the workspace root unless the parameter is required. */
export function pathParam(url: URL, options: { required?: boolean } = {}): string {
  const raw = url.searchParams.get('path')
  if (raw === null || raw === '') {
    if (options.required) throw invalid('path', 'required: a path relative to the workspace root')
    return '.'
  }
  return raw
}

/** A boolean flag: absent (false), `1`/`true`, or `0`/`false`. */
export function flagParam(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name)
  if (raw === null || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true' || raw === '') return true
  throw invalid(name, 'must be 1, true, 0 or false')
}
