// The destinations the sandbox's egress proxy lets through. Entries are host names or IP
// addresses, optionally with a port; `*.example.com` matches every subdomain (not the apex).
// No port means any port. Everything else is refused.
import { SandboxError } from './sandbox.js'

export interface Destination {
  host: string
  port: number
}

interface Rule {
  /** Lower-case host, or the suffix (with its dot) of a wildcard. */
  host: string
  wildcard: boolean
  port: number | undefined
}

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/

/** Splits `host[:port]` or `[v6][:port]`; the host lower-cased, brackets removed. */
export function splitHostPort(text: string): { host: string; port: number | undefined } {
  const m = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text)
  if (!m) return { host: '', port: undefined }
  const port = m[2] === undefined ? undefined : Number(m[2])
  return { host: m[1]!.toLowerCase(), port }
}

function parseRule(entry: string): Rule {
  const { host, port } = splitHostPort(entry.trim())
  const valid = host !== '' && (HOST.test(host) || host.includes(':')) && (port === undefined || (port > 0 && port < 65536))
  if (!valid) {
    throw new SandboxError(
      'SANDBOX_INVALID_SETTING',
      `Invalid sandbox allow-list entry "${entry}": use host, host:port, *.domain or [ipv6]:port`,
    )
  }
  const wildcard = host.startsWith('*.')
  return { host: wildcard ? host.slice(1) : host, wildcard, port }
}

export class AllowList {
  private readonly rules: Rule[]

  /** @throws SandboxError SANDBOX_INVALID_SETTING for a malformed entry */
  constructor(readonly entries: readonly string[]) {
    this.rules = entries.map(parseRule)
  }

  /** The entry for a URL's host and port, e.g. `api.anthropic.com:443`. */
  static entryFor(url: URL): string {
    const port = url.port || (url.protocol === 'https:' ? '443' : '80')
    return `${url.hostname}:${port}`
  }

  /**
   * Entries naming a loopback address with a port. The sandbox's loopback is its own, so these
   * are mirrored into it: the host service answers at the same address inside.
   */
  loopbackEntries(): Destination[] {
    return this.rules
      .filter((r) => !r.wildcard && r.port !== undefined && (LOOPBACK.test(r.host) || r.host === 'localhost' || r.host === '::1'))
      .map((r) => ({ host: r.host, port: r.port! }))
  }

  allows(destination: Destination): boolean {
    const host = normalHost(destination.host)
    return this.rules.some(
      (rule) =>
        (rule.port === undefined || rule.port === destination.port) &&
        (rule.wildcard ? host.endsWith(rule.host) && host.length > rule.host.length : host === rule.host),
    )
  }

  /** An entry names this host itself (not through a wildcard): the operator chose it, wherever
   *  it resolves (a service on the host's loopback or network is allowed only so). */
  namesExactly(destination: Destination): boolean {
    const host = normalHost(destination.host)
    return this.rules.some((rule) => !rule.wildcard && host === rule.host && (rule.port === undefined || rule.port === destination.port))
  }
}

function normalHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
}
