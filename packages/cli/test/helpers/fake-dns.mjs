// Preloaded into the CLI under test (NODE_OPTIONS=--import): names under $FAKE_DNS_DOMAIN resolve
// to loopback, as E2B's DNS sends `*.e2b.app` to its edge. Only the resolver is stood in for;
// every connection is real (to the E2B fake's edge on this machine).
import dns from 'node:dns'

const domain = process.env.FAKE_DNS_DOMAIN
const lookup = dns.lookup

dns.lookup = function fakeLookup(hostname, options, callback) {
  if (!domain || (hostname !== domain && !hostname.endsWith(`.${domain}`))) return lookup.call(this, hostname, options, callback)
  const done = typeof options === 'function' ? options : callback
  const all = typeof options === 'object' && options !== null && options.all
  process.nextTick(() => (all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)))
  return {}
}
