// A mount namespace whose /etc/resolv.conf names a DNS server on loopback that never answers,
// and whose /etc/hosts names the given hosts: for tests of what a hanging resolver holds up
// (real getaddrinfo and c-ares, a real UDP socket). Needs root and `unshare -m`.
import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SILENT_DNS = '127.0.0.77'

export const canMountNamespace =
  process.getuid?.() === 0 &&
  (() => {
    try {
      execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

export interface SilentDns {
  /** Queries it was asked (and never answered). */
  queries(): number
  /** A command prefix that execs the rest in the namespace (`[...prefix, cmd, ...args]`). */
  prefix: string[]
  close(): void
}

/** `hosts`: name -> address, written into the namespace's /etc/hosts beside localhost. */
export async function startSilentDns(dir: string, hosts: Record<string, string>): Promise<SilentDns> {
  const socket: Socket = createSocket('udp4')
  let queries = 0
  socket.on('message', () => queries++)
  await new Promise<void>((resolve) => socket.bind(53, SILENT_DNS, resolve))
  const resolvConf = join(dir, 'resolv.conf')
  writeFileSync(resolvConf, `nameserver ${SILENT_DNS}\noptions timeout:30 attempts:1\n`)
  const hostsFile = join(dir, 'hosts')
  writeFileSync(
    hostsFile,
    ['127.0.0.1 localhost', ...Object.entries(hosts).map(([name, address]) => `${address} ${name}`)].join('\n') + '\n',
  )
  return {
    queries: () => queries,
    prefix: [
      'unshare',
      '-m',
      'sh',
      '-c',
      `mount --bind ${resolvConf} /etc/resolv.conf && mount --bind ${hostsFile} /etc/hosts && exec "$@"`,
      'sh',
    ],
    close: () => socket.close(),
  }
}
