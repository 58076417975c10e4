// The web console's static files at `/`: served without a token (they hold no data) with the right
// content types and a strict CSP, only by exact path from what was built: `..`, encoded slashes
// and dots, NUL bytes, directories, symlinks and other methods never reach a file, and fall
// through to the API (with tokens configured: 401). WEB_CONSOLE=off serves nothing; a missing
// build says so at `/`.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { settingsFromEnv } from '../src/settings.js'
import { rawRequest } from './helpers/raw-http.js'
import { startStack, type Stack } from './helpers/stack.js'

const TOKEN = 'tok-web-0123456789abcdef'
const get = (stack: Stack, target: string) =>
  rawRequest(stack.server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)

function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'cas-web-'))
  const dir = join(root, 'site')
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app-1.js"></script>')
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log("app")')
  writeFileSync(join(dir, 'assets', 'app-1.css'), 'body{}')
  writeFileSync(join(dir, 'assets', 'app-1.js.map'), '{}')
  writeFileSync(join(dir, 'secret.txt.bak'), 'not a known type')
  mkdirSync(join(root, 'outside'))
  writeFileSync(join(root, 'outside', 'data.txt'), 'outside')
  symlinkSync('/etc/passwd', join(dir, 'assets', 'passwd.txt'))
  return dir
}

describe('the web console at /', () => {
  let stack: Stack
  let site: string
  before(async () => {
    site = fakeBuild()
    stack = await startStack({ settings: { authTokens: [{ label: 'alice', token: TOKEN }], webConsole: site, sandbox: 'none' } })
  })
  after(async () => {
    await stack.close()
    rmSync(join(site, '..'), { recursive: true, force: true })
  })

  it('serves index.html at / and the built assets without a token, typed, with a strict policy', async () => {
    for (const target of ['/', '/index.html', '/?token=abc']) {
      const page = await get(stack, target)
      assert.equal(page.status, 200, target)
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8')
      assert.match(page.text, /<title>console<\/title>/)
      assert.match(page.headers['content-security-policy'] ?? '', /script-src 'self'/)
      assert.equal(page.headers['referrer-policy'], 'no-referrer')
      assert.equal(page.headers['x-content-type-options'], 'nosniff')
    }
    const js = await get(stack, '/assets/app-1.js')
    assert.equal(js.status, 200)
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8')
    assert.match(js.headers['cache-control'] ?? '', /immutable/)
    assert.equal((await get(stack, '/assets/app-1.css')).headers['content-type'], 'text/css; charset=utf-8')
  })

  it('serves nothing else: escapes, encoded slashes, NUL, directories, symlinks, unknown types go to the API (401)', async () => {
    for (const target of [
      '/assets/',
      '/assets',
      '/../outside/data.txt',
      '/assets/../../outside/data.txt',
      '/assets/..%2f..%2foutside%2fdata.txt',
      '/%2e%2e/outside/data.txt',
      '/assets%2fapp-1.js',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/app-1.js%00',
      '/assets/app-1.js%00.css',
      '/assets/passwd.txt',
      '/assets/app-1.js.map',
      '/secret.txt.bak',
      '/ASSETS/APP-1.JS',
      '/index.html/',
      '//assets/app-1.js',
    ]) {
      const answer = await get(stack, target)
      assert.ok(answer.status === 401 || answer.status === 400, `${target}: ${answer.status}`)
      assert.ok(!answer.text.includes('root:') && !answer.text.includes('outside') && !answer.text.includes('console.log'), target)
    }
    const post = await rawRequest(stack.server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    assert.equal(post.status, 401)
  })

  it('leaves the API behind its token', async () => {
    assert.equal((await get(stack, '/sessions')).status, 401)
    const answer = await fetch(`${stack.url}/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(answer.status, 200)
  })
})

describe('the web console switched off or not built', () => {
  it('WEB_CONSOLE=off: / is the API (401 without a token); a missing build is a 503 that says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cas-web-empty-'))
    const off = await startStack({ settings: { authTokens: [{ label: 'a', token: TOKEN }], webConsole: false, sandbox: 'none' } })
    const missing = await startStack({ settings: { webConsole: empty, sandbox: 'none' } })
    try {
      assert.equal((await get(off, '/')).status, 401)
      const page = await get(missing, '/')
      assert.equal(page.status, 503)
      assert.match(page.text, /not built/)
      assert.match(page.text, /npm run build/)
      assert.ok(missing.logLines.some((l) => l.includes('not built')))
    } finally {
      await off.close()
      await missing.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('reads WEB_CONSOLE and WEB_CONSOLE_DIR', () => {
    assert.equal(settingsFromEnv({ WEB_CONSOLE: 'off' }).webConsole, false)
    assert.equal(settingsFromEnv({}).webConsole, undefined)
    assert.equal(settingsFromEnv({ WEB_CONSOLE_DIR: '/srv/console' }).webConsole, '/srv/console')
    assert.throws(() => settingsFromEnv({ WEB_CONSOLE: 'maybe' }), /WEB_CONSOLE must be on or off/)
    assert.throws(() => settingsFromEnv({ WEB_CONSOLE_DIR: 'a\0b' }), /NUL/)
  })
})
