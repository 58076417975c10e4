// Name lookups for webhook URLs, off libuv's thread pool (net/name-resolver.ts): a hook whose
// DNS never answers leaves every other hook's lookups, and the server's own, to go ahead.
import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { resolveName } from '../net/name-resolver.js'

/** A `lookup` for http.request / net.connect (IP literals never come here). */
export const webhookLookup: LookupFunction = (hostname, options, callback) => {
  const family = typeof options.family === 'number' ? options.family : 0
  resolveName(hostname, family, (err, addresses) => {
    if (options.all) return (callback as unknown as (e: Error | null, a: LookupAddress[]) => void)(err, addresses)
    const first = addresses[0]
    if (err || !first) return callback(err ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0)
    callback(null, first.address, first.family)
  })
}
