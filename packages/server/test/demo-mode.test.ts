// `npm start` on a fresh machine: no credential, so the server runs the scripted demo model,
// says so at start-up and to every client, and the whole flow works offline.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js')

describe('offline demo mode (the real main.js)', () => {
  let child: ChildProcess
  let dir: string
  let url: string
  let output = ''

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-demo-'))
    child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: { PATH: process.env['PATH'], HOME: dir, PORT: '0', DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 30_000)
      const check = () => {
        const m = /listening on (http:\/\/\S+)/.exec(output)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      }
      child.stdout!.on('data', check)
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
    })
  })
  after(() => {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })

  it('says plainly at start-up that it runs the offline demo model', () => {
    assert.match(output, /Offline demo mode/)
  })

  it('tells every client, and answers prompts from the demo model', async () => {
    const probe = await WsProbe.connect(`${url.replace(/^http/, 'ws')}/ws`)
    const connected = probe.frames[0]!
    assert.equal(connected['demo'], true)
    const notice = await probe.next((f) => f.type === 'info')
    assert.match(notice['message'] as string, /Offline demo mode/)
    probe.prompt('hello')
    const result = sdkData(await probe.result())
    assert.equal(result['is_error'], false)
    assert.match(result['result'] as string, /offline demo/i)
    probe.close()
    const health = (await (await fetch(`${url}/health`)).json()) as { demo: boolean }
    assert.equal(health.demo, true)
  })

  it('exits cleanly on SIGTERM', async () => {
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c))
      child.kill('SIGTERM')
    })
    assert.equal(code, 0)
  })
})
