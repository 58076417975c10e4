// The README's "Try it" on a port other than 3000: the example finds the server from the same
// PORT / .env that `npm start` reads, and without a terminal it says what it denied and why.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { freePort } from './helpers/ports.js'

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'example-client.ts')
const TSX = import.meta.resolve('tsx')

function runExample(cwd: string, env: Record<string, string>, prompt: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', TSX, EXAMPLE, prompt], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })))
}

describe('the example against a server on a non-default port (demo mode)', () => {
  let dir: string
  let server: ServerProcess
  let port: number

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-example-'))
    port = await freePort()
    // The .env the README's user writes; the server here gets the same port from its environment.
    writeFileSync(join(dir, '.env'), `PORT=${port}\n`)
    server = await spawnServer({ HOME: dir, DATA_DIR: join(dir, 'data'), PORT: String(port) }, dir)
    assert.equal(new URL(server.url).port, String(port))
  })
  after(() => {
    server.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  it('connects through the PORT in .env and prints the answer', async () => {
    const run = await runExample(dir, {}, 'hello')
    assert.equal(run.code, 0, run.out + run.err)
    assert.match(run.out, /offline demo/i)
  })

  it('connects through PORT in the environment too', async () => {
    const other = mkdtempSync(join(tmpdir(), 'cas-example-env-'))
    try {
      const run = await runExample(other, { PORT: String(port) }, 'hello')
      assert.equal(run.code, 0, run.out + run.err)
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  })

  it('without a terminal, says which tool call it denied and why', async () => {
    const run = await runExample(dir, { SESSION_ID: 'asks-first' }, 'create a file')
    assert.match(run.err, /\[denied\] Write .*no terminal to ask/, run.out + run.err)
    assert.match(run.err, /1 tool call\(s\) were denied \(Write\)/)
  })
})
