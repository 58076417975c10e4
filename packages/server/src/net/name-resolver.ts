// Resolves names that someone other than the operator chooses (the agent's egress destinations,
// webhook hosts) without libuv's thread pool. dns.lookup runs getaddrinfo there, at most 2 at
// once (half the pool's 4 threads): a name whose DNS never answers holds a thread for the
// resolver's whole timeout, so an agent asking the proxy for a few such names stalled every
// lookup the server makes for itself (the model API's host, an OIDC issuer) and a webhook whose
// DNS hangs delayed every other hook. Here the hosts file is read first, as getaddrinfo's
// "files" source does, then DNS is asked through c-ares (dns.Resolver), which waits on its own
// sockets: a silent server costs a pending query, not a thread. resolv.conf's servers, search
// list and timeouts apply as they do to getaddrinfo.
import { Resolver, type LookupAddress } from 'node:dns'
import { readFileSync, statSync } from 'node:fs'
import { isIP } from 'node:net'

/** `done` as dns.lookup's with `all: true`. */
export type ResolveDone = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void

const HOSTS_FILE = '/etc/hosts'

let hosts: { mtimeMs: number; size: number; byName: Map<string, LookupAddress[]> } | undefined

/** The hosts file's entries by lower-case name, re-read when the file changes. */
function hostsEntries(): Map<string, LookupAddress[]> {
  let stat
  try {
    stat = statSync(HOSTS_FILE)
  } catch {
    return new Map()
  }
  if (hosts && hosts.mtimeMs === stat.mtimeMs && hosts.size === stat.size) return hosts.byName
  const byName = new Map<string, LookupAddress[]>()
  let text = ''
  try {
    text = readFileSync(HOSTS_FILE, 'utf8')
  } catch {
    // Unreadable: as if empty (getaddrinfo goes on to DNS too).
  }
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/)
    const family = address ? isIP(address) : 0
    if (!address || family === 0) continue
    for (const name of names) {
      const key = name.toLowerCase()
      const list = byName.get(key) ?? []
      if (!list.some((a) => a.address === address)) list.push({ address, family })
      byName.set(key, list)
    }
  }
  hosts = { mtimeMs: stat.mtimeMs, size: stat.size, byName }
  return byName
}

let resolver: Resolver | undefined

function query(hostname: string, family: 4 | 6): Promise<LookupAddress[]> {
  resolver ??= new Resolver()
  const ask = family === 4 ? resolver.resolve4.bind(resolver) : resolver.resolve6.bind(resolver)
  return new Promise((resolve, reject) =>
    ask(hostname, (err, addresses) => (err ? reject(err) : resolve(addresses.map((address) => ({ address, family }))))),
  )
}

/** "No such name" for both families reads as ENOTFOUND, as getaddrinfo reports it. */
const NO_ANSWER = new Set(['ENODATA', 'ENOTFOUND'])

/**
 * The addresses of `hostname` for `family` (4, 6, or 0 for both; IPv4 first), as dns.lookup
 * with `all: true` answers, but holding no thread while DNS is slow.
 *
 * @example
 * resolveName('hooks.example.com', 0, (err, addresses) => ...)
 */
export function resolveName(hostname: string, family: number, done: ResolveDone): void {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  const listed = (hostsEntries().get(name) ?? []).filter((a) => family === 0 || a.family === family)
  if (listed.length > 0) return queueMicrotask(() => done(null, listed))
  const families: Array<4 | 6> = family === 4 ? [4] : family === 6 ? [6] : [4, 6]
  void Promise.allSettled(families.map((f) => query(name, f))).then((results) => {
    const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    if (addresses.length > 0) return done(null, addresses)
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as NodeJS.ErrnoException) : undefined))
    const failure = errors.find((e) => e && !NO_ANSWER.has(e.code ?? ''))
    done(failure ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), [])
  })
}
