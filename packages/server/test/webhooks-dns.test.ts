// A hook whose name the resolver never answers. dns.lookup runs getaddrinfo on libuv's thread
// pool, at most 2 such slow lookups at once (half its 4 threads): a hook's 4 tries in flight each
// made one, so every other name the server looked up (the model API's host for /ready and the
// gateway, an OIDC issuer) waited behind them for the resolver's whole timeout; then, with the
// hooks' lookups one at a time, every other hook did. The server runs here in a mount namespace
// whose DNS server never answers and whose /etc/hosts names the scripted model and a second
// hook's receiver (helpers/silent-dns.ts).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startScriptedModel, type ScriptedModel } from '@claude-agent/scripted-model'
import { api } from './helpers/http.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { canMountNamespace, startSilentDns, type SilentDns } from './helpers/silent-dns.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'
import { WsProbe } from './helpers/ws-probe.js'

const SECRET = 'whsec-dns-0123456789abcdef'

describe('webhooks whose DNS never answers', { skip: canMountNamespace ? false : 'needs root and unshare -m' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-webhook-dns-'))
  let dns: SilentDns
  let model: ScriptedModel
  let receiver: Receiver
  let server: ServerProcess
  before(async () => {
    dns = await startSilentDns(dir, { 'model.test': '127.0.0.1', 'receiver.test': '127.0.0.1' })
    model = await startScriptedModel({})
    receiver = await startReceiver(SECRET)
    const hooksFile = join(dir, 'hooks.json')
    // The hanging hook first: its lookups start before the receiver's.
    writeFileSync(
      hooksFile,
      JSON.stringify([
        { id: 'hangs', url: 'http://hooks.never-answers.example/in', secret: SECRET, events: ['turn.completed'] },
        { id: 'answers', url: `${receiver.url.replace('127.0.0.1', 'receiver.test')}/in`, secret: SECRET, events: ['turn.completed'] },
      ]),
    )
    const env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      WORKSPACE_DIR: join(dir, 'workspace'),
      SANDBOX: 'none',
      ANTHROPIC_BASE_URL: model.url.replace('127.0.0.1', 'model.test'),
      ANTHROPIC_API_KEY: 'sk-webhook-dns-0123456789',
      CLAUDE_CODE_MAX_RETRIES: '0',
      WEBHOOKS_FILE: hooksFile,
      WEBHOOK_TIMEOUT_MS: '120000',
    }
    server = await spawnServer(env, dir, ['--sandbox', 'none'], { prefix: dns.prefix })
  })
  after(async () => {
    server?.child.kill('SIGKILL')
    await server?.exited
    await model?.close()
    await receiver?.close()
    dns?.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('looks up other names while its own lookups hang', async () => {
    await api(server.url, 'POST', '/sessions', { id: 'dns' })
    const probe = await WsProbe.connect(`${server.wsBase}/sessions/dns/ws`)
    // Four turns: four deliveries, as many as a hook tries at once.
    for (let i = 0; i < 4; i++) await probe.ask('hello')
    probe.close()
    const pending = async () =>
      (((await api(server.url, 'GET', '/webhooks')).body['deliveries'] as Array<{ hook: string; attempts: number }>) ?? []).filter(
        (d) => d.hook === 'hangs',
      )
    for (let i = 0; (await pending()).length < 4 || dns.queries() === 0; i++) {
      assert.ok(i < 600, 'the deliveries were queued and a lookup asked the silent DNS server')
      await new Promise((r) => setTimeout(r, 50))
    }
    // /ready connects to the model's host, model.test: a lookup of its own.
    const ready = await api(server.url, 'GET', '/ready')
    assert.equal(ready.status, 200, JSON.stringify(ready.body))
    // The other hook got all four turns' deliveries...
    for (let turn = 0; turn < 4; turn++) await receiver.next(() => receiver.arrivals.length > turn)
    assert.ok(
      receiver.arrivals.every((a) => a.check.valid && a.path === '/in'),
      JSON.stringify(receiver.arrivals.map((a) => a.check)),
    )
    // ...all while every try of the hanging hook was still waiting on its lookup (30 s each).
    assert.deepEqual(
      (await pending()).map((d) => d.attempts),
      [0, 0, 0, 0],
    )
  })
})
