// How the egress proxy resolves a destination's name: the addresses it then dials are the ones
// checked, so a name cannot pass the check with one answer and be dialled at another (DNS
// rebinding). A destination reached through a wildcard entry gets no internal address
// (internal-address.ts); one an entry names exactly gets what its name resolves to.
import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { resolveName } from '../net/name-resolver.js'
import { isInternalAddress } from './internal-address.js'

/** A resolver as `dns.lookup` with `all: true` (tests give one of fixed answers). */
export type Resolve = (
  hostname: string,
  family: number,
  done: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

/** The hosts file, then DNS, holding no thread of the pool: the agent picks these names, and
 *  one whose DNS never answers must not stall the server's own lookups (name-resolver.ts). */
export const systemResolve: Resolve = resolveName

/** The code of the error a lookup fails with when every address was internal. */
export const INTERNAL_ONLY = 'EGRESS_INTERNAL_ADDRESS'

export function egressLookup(resolve: Resolve, refuseInternal: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0
    resolve(hostname, family, (err, addresses) => {
      const usable = refuseInternal ? addresses.filter((a) => !isInternalAddress(a.address)) : addresses
      const failure =
        err ??
        (usable.length === 0
          ? Object.assign(
              new Error(
                addresses.length > 0
                  ? `${hostname} resolves only to internal addresses (${addresses.map((a) => a.address).join(', ')}), which a wildcard entry does not allow`
                  : `getaddrinfo ENOTFOUND ${hostname}`,
              ),
              { code: addresses.length > 0 ? INTERNAL_ONLY : 'ENOTFOUND' },
            )
          : null)
      if (options.all) return (callback as unknown as (e: Error | null, a: LookupAddress[]) => void)(failure, failure ? [] : usable)
      if (failure) return callback(failure, '', 0)
      callback(null, usable[0]!.address, usable[0]!.family)
    })
  }
}
