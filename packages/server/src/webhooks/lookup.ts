// Name lookups for webhook URLs. dns.lookup runs getaddrinfo on libuv's thread pool (4 threads),
// which also does the server's file I/O (the files API, the workspace, the prices file); a
// resolver that never answers holds a thread for its whole timeout, and a hook's 4 tries in
// flight held them all. So lookups of one name share one call, and at most MAX_LOOKUPS run at
// once: a name whose resolver hangs ties up one thread, never the pool.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'

export const MAX_LOOKUPS = 1

type Done = (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void

const waiting = new Map<string, Done[]>()
const queue: Array<() => void> = []
let running = 0

function resolveShared(hostname: string, family: number, done: Done): void {
  const key = `${family} ${hostname}`
  const sharing = waiting.get(key)
  if (sharing) return void sharing.push(done)
  waiting.set(key, [done])
  const run = () => {
    running++
    dnsLookup(hostname, { family, all: true }, (err, addresses) => {
      running--
      const callers = waiting.get(key) ?? []
      waiting.delete(key)
      for (const caller of callers) caller(err, addresses ?? [])
      queue.shift()?.()
    })
  }
  if (running < MAX_LOOKUPS) run()
  else queue.push(run)
}

/** A `lookup` for http.request / net.connect (IP literals never come here). */
export const sharedLookup: LookupFunction = (hostname, options, callback) => {
  const family = typeof options.family === 'number' ? options.family : 0
  resolveShared(hostname, family, (err, addresses) => {
    if (options.all) return (callback as unknown as Done)(err, addresses)
    const first = addresses[0]
    if (err || !first) return callback(err ?? Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0)
    callback(null, first.address, first.family)
  })
}
