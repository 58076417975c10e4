// Addresses a destination reached through a wildcard must not resolve to: the host's loopback
// (the server's own API, the model gateway's upstream, every local service), link-local (the
// cloud's metadata service at 169.254.169.254 and its credentials), and private or shared
// networks. A name under an allowed wildcard whose DNS answers one of these (a record the
// agent's side controls, or a rebinding) would otherwise reach them through the egress proxy.
import { isIPv4, isIPv6 } from 'node:net'

/** IPv4 ranges as [first octets, prefix length]. */
const V4: ReadonlyArray<[number, number, number]> = [
  // [a, b, prefix]: a.b.0.0/prefix
  [0, 0, 8], // "this" network, 0.0.0.0 (reaches loopback on Linux)
  [10, 0, 8],
  [100, 64, 10], // carrier-grade NAT (shared address space)
  [127, 0, 8],
  [169, 254, 16],
  [172, 16, 12],
  [192, 168, 16],
]

function v4Internal(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number]
  const value = (a << 8) | b
  return V4.some(([x, y, prefix]) => {
    const bits = Math.min(prefix, 16)
    const mask = (0xffff << (16 - bits)) & 0xffff
    return (value & mask) === (((x << 8) | y) & mask)
  })
}

function v6Internal(address: string): boolean {
  const lower = address.toLowerCase().replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped) return v4Internal(mapped[1]!)
  // The same mapped address as URLs write it (`[::ffff:7f00:1]`).
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (hex) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)]
    return v4Internal(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`)
  }
  if (lower === '::' || lower === '::1') return true
  const first = parseInt(lower.split(':')[0] || '0', 16)
  // fe80::/10 link-local, fc00::/7 unique local.
  return (first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00
}

/** True for an address on the host or its networks rather than the internet. */
export function isInternalAddress(address: string): boolean {
  if (isIPv4(address)) return v4Internal(address)
  if (isIPv6(address)) return v6Internal(address)
  return false
}
