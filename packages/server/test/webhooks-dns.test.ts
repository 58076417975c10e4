// A hook whose name the resolver never answers: dns.lookup runs getaddrinfo on libuv's thread
// pool, which runs at most 2 such slow lookups at once (half its 4 threads), and a hook's 4
// tries in flight each made one, so every other name the server looked up (the model API's
// host for /ready and the gateway, the egress proxy's destinations, an OIDC issuer) waited
// behind them for the resolver's whole timeout. The server runs here in a mount namespace
// whose /etc/resolv.conf names a DNS server on loopback that never answers and whose
// /etc/hosts names the scripted model (real getaddrinfo, a real UDP socket).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startScriptedModel, type ScriptedModel } from '@claude-agent/scripted-model'
import { api } from './helpers/http.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { WsProbe } from './helpers/ws-probe.js'

const SILENT_DNS = '127.0.0.77'
const canMount =
  process.getuid?.() === 0 &&
  (() => {
    try {
      execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

describe('webhooks whose DNS never answers', { skip: canMount ? false : 'needs root and unshare -m' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-webhook-dns-'))
  let dns: Socket
  let queries = 0
  let model: ScriptedModel
  let server: ServerProcess
  before(async () => {
    dns = createSocket('udp4')
    dns.on('message', () => queries++)
    await new Promise<void>((resolve) => dns.bind(53, SILENT_DNS, resolve))
    const resolvConf = join(dir, 'resolv.conf')
    writeFileSync(resolvConf, `nameserver ${SILENT_DNS}\noptions timeout:30 attempts:1\n`)
    const hosts = join(dir, 'hosts')
    writeFileSync(hosts, '127.0.0.1 localhost model.test\n')
    model = await startScriptedModel({})
    const env = {
      HOME: dir,
      DATA_DIR: join(dir, 'data'),
      WORKSPACE_DIR: join(dir, 'workspace'),
      SANDBOX: 'none',
      ANTHROPIC_BASE_URL: model.url.replace('127.0.0.1', 'model.test'),
      ANTHROPIC_API_KEY: 'sk-webhook-dns-0123456789',
      CLAUDE_CODE_MAX_RETRIES: '0',
      WEBHOOK_URL: 'http://hooks.never-answers.example/in',
      WEBHOOK_SECRET: 'whsec-dns-0123456789abcdef',
      WEBHOOK_EVENTS: 'turn.completed',
      WEBHOOK_TIMEOUT_MS: '120000',
    }
    const prefix = [
      'unshare',
      '-m',
      'sh',
      '-c',
      `mount --bind ${resolvConf} /etc/resolv.conf && mount --bind ${hosts} /etc/hosts && exec "$@"`,
      'sh',
    ]
    server = await spawnServer(env, dir, ['--sandbox', 'none'], { prefix })
  })
  after(async () => {
    server?.child.kill('SIGKILL')
    await server?.exited
    await model?.close()
    dns?.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('looks up other names while its own lookups hang', async () => {
    await api(server.url, 'POST', '/sessions', { id: 'dns' })
    const probe = await WsProbe.connect(`${server.wsBase}/sessions/dns/ws`)
    // Four turns: four deliveries, as many as a hook tries at once.
    for (let i = 0; i < 4; i++) await probe.ask('hello')
    probe.close()
    const pending = async () => ((await api(server.url, 'GET', '/webhooks')).body['deliveries'] as Array<{ attempts: number }>) ?? []
    for (let i = 0; (await pending()).length < 4 || queries === 0; i++) {
      assert.ok(i < 600, 'the deliveries were queued and a lookup asked the silent DNS server')
      await new Promise((r) => setTimeout(r, 50))
    }
    // /ready connects to the model's host, model.test: a lookup of its own.
    const ready = await api(server.url, 'GET', '/ready')
    assert.equal(ready.status, 200, JSON.stringify(ready.body))
    // ...answered while every try was still waiting on its lookup (30 s each).
    assert.deepEqual(
      (await pending()).map((d) => d.attempts),
      [0, 0, 0, 0],
    )
  })
})
