// `npm start` on a fresh machine: no credential, so the server runs the scripted demo model,
// says so at start-up and to every client, and the whole flow works offline.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe('offline demo mode (the real main.js)', () => {
  let server: ServerProcess
  let dir: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-demo-'))
    server = await spawnServer({ HOME: dir, DATA_DIR: join(dir, 'data') }, dir)
  })
  after(() => {
    server.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('says plainly at start-up that it runs the offline demo model', () => {
    assert.match(server.output(), /Offline demo mode/)
  })

  it('tells every client, and answers prompts from the demo model', async () => {
    const probe = await WsProbe.connect(`${server.wsBase}/ws`)
    assert.equal(probe.frames[0]!['demo'], true)
    const notice = await probe.next((f) => f.type === 'info')
    assert.match(notice['message'] as string, /Offline demo mode/)
    probe.prompt('hello')
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false)
    assert.match(result['result'] as string, /offline demo/i)
    // The README's own example lists the files: the demo runs ls, it writes nothing.
    const from = probe.frames.length
    probe.prompt('List the files here')
    const listed = sdkData(await probe.result(from))
    assert.match(listed['result'] as string, /Here is what `ls -la` printed/)
    probe.close()
    const health = (await (await fetch(`${server.url}/health`)).json()) as { demo: boolean }
    assert.equal(health.demo, true)
  })

  it('names the demo model as the model endpoint at start-up', () => {
    assert.match(server.output(), /model: +offline demo model at http:\/\/127\.0\.0\.1:\d+/)
  })

  it('a posted anthropicApiKey takes the session out of demo mode everywhere; others stay in it', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const posted = (await (await post('/config', { anthropicApiKey: 'sk-posted-in-demo-mode-0123456789' })).json()) as { demo: boolean }
    assert.equal(posted.demo, false)
    const health = (await (await fetch(`${server.url}/health`)).json()) as { demo: boolean }
    assert.equal(health.demo, false)
    const config = (await (await fetch(`${server.url}/config`)).json()) as { demo: boolean }
    assert.equal(config.demo, false)
    const probe = await WsProbe.connect(`${server.wsBase}/ws`)
    assert.equal(probe.frames[0]!['demo'], false)
    assert.ok(!probe.frames.some((f) => f.type === 'info' && /Offline demo mode/.test(f['message'] as string)), probe.summary())
    probe.close()

    assert.equal((await post('/sessions', { id: 'with-key', config: { anthropicApiKey: 'sk-named-session-key-0123456789' } })).status, 201)
    assert.equal((await post('/sessions', { id: 'without-key' })).status, 201)
    const keyed = await WsProbe.connect(`${server.wsBase}/sessions/with-key/ws`)
    const demo = await WsProbe.connect(`${server.wsBase}/sessions/without-key/ws`)
    assert.equal(keyed.frames[0]!['demo'], false)
    assert.equal(demo.frames[0]!['demo'], true)
    await demo.next((f) => f.type === 'info' && /Offline demo mode/.test(f['message'] as string))
    keyed.close()
    demo.close()

    // Posting a config without a key brings the default session back to the demo model.
    await post('/config', {})
    assert.equal(((await (await fetch(`${server.url}/health`)).json()) as { demo: boolean }).demo, true)
  })

  it('exits cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
  })
})
