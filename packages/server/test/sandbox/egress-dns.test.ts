// The egress proxy's lookups of names the agent picks, when their DNS never answers: through
// getaddrinfo each held one of the 2 threads libuv gives slow lookups, so an agent asking for
// a few such names stalled every lookup the server made for itself (the model API's host, an
// OIDC issuer) for the resolver's whole timeout. The proxy's resolver (the one it uses unless a
// test gives another) runs here in a child process in a mount namespace whose DNS server never
// answers (helpers/silent-dns.ts): real c-ares, real getaddrinfo, a real UDP socket.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { canMountNamespace, startSilentDns, type SilentDns } from '../helpers/silent-dns.js'

const EGRESS_LOOKUP = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'sandbox', 'egress-lookup.js')).href

/** Four hanging names for the proxy, then a hosts-file name for it and one for the server's own dns.lookup. */
const SCRIPT = `
import { lookup } from 'node:dns'
import { systemResolve } from ${JSON.stringify(EGRESS_LOOKUP)}
const pending = new Set()
for (let i = 0; i < 4; i++) {
  const name = 'n' + i + '.never-answers.example'
  pending.add(name)
  systemResolve(name, 0, () => pending.delete(name))
}
const proxy = await new Promise((r) => systemResolve('svc.test', 0, (err, a) => r({ code: err?.code, addresses: a })))
const own = await new Promise((r) => lookup('model.test', { all: true }, (err, a) => r({ code: err?.code, addresses: a })))
console.log(JSON.stringify({ proxy, own, pending: pending.size }))
process.exit(0)
`

describe('egress proxy: names whose DNS never answers', { skip: canMountNamespace ? false : 'needs root and unshare -m' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-egress-dns-'))
  let dns: SilentDns
  before(async () => {
    dns = await startSilentDns(dir, { 'model.test': '127.0.0.1', 'svc.test': '127.0.0.2' })
  })
  after(() => {
    dns?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('hold no thread the server needs for its own lookups', async () => {
    const [command, ...args] = [...dns.prefix, process.execPath, '--input-type=module', '-e', SCRIPT]
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    // The silent server's timeout is 30 s: a lookup queued behind the hanging ones answers after it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? s)))
    clearTimeout(timer)
    assert.equal(code, 0, `the lookups after the hanging ones did not answer within 20 s (killed): ${err}`)
    const result = JSON.parse(out) as {
      proxy: { code?: string; addresses: unknown[] }
      own: { code?: string; addresses: unknown[] }
      pending: number
    }
    // From the hosts file, as getaddrinfo answers them, while all four still hang.
    assert.deepEqual(result.proxy, { addresses: [{ address: '127.0.0.2', family: 4 }] })
    assert.deepEqual(result.own, { addresses: [{ address: '127.0.0.1', family: 4 }] })
    assert.equal(result.pending, 4)
    assert.ok(dns.queries() >= 4, `the hanging names were asked of the DNS server (${dns.queries()} queries)`)
  })
})
