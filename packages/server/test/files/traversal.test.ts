// Every way out of the workspace is refused with PATH_OUTSIDE_WORKSPACE, by every operation,
// and nothing is read, written or deleted outside.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { refusedUpgrade } from '../helpers/http.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { call } from './helpers.js'

const MARK = `cas-traversal-${process.pid}`

describe('path traversal', () => {
  let stack: Stack
  let outside: string

  before(async () => {
    stack = await startStack()
    // A sibling of the workspace, with a secret in it.
    outside = join(stack.dir, 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, 'secret.txt'), 'top secret')
    const ws = stack.workspace
    mkdirSync(join(ws, 'inner'))
    symlinkSync('/etc', join(ws, 'etc-link'))
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'secret-link'))
    symlinkSync(outside, join(ws, 'inner', 'out-dir'))
    symlinkSync('../outside', join(ws, 'relative-out')) // relative target: the workspace's sibling
    symlinkSync(join(outside, `${MARK}-dangling`), join(ws, 'dangling'))
    symlinkSync('loop-b', join(ws, 'loop-a'))
    symlinkSync('loop-a', join(ws, 'loop-b'))
  })
  after(() => stack.close())

  // Raw query strings, as an attacker would send them (not through encodeURIComponent).
  const attempts = [
    '../x',
    '../../../../etc/passwd',
    '/etc/passwd',
    '%2Fetc%2Fpasswd',
    'a/../../x',
    'inner/../../x',
    '..%2Fx',
    '%2e%2e%2fx',
    '..%2F..%2Foutside%2Fsecret.txt',
    'etc-link',
    'etc-link/passwd',
    `etc-link/${MARK}`,
    'secret-link',
    'inner/out-dir',
    'inner/out-dir/secret.txt',
    `inner/out-dir/${MARK}`,
    'relative-out/secret.txt',
    'dangling',
    `dangling/${MARK}`,
    'loop-a',
  ]

  const operations: Array<[string, string, string?]> = [
    ['GET', '/files'],
    ['GET', '/files/stat'],
    ['GET', '/files/content'],
    ['PUT', '/files/content', 'pwned'],
    ['POST', '/files/mkdir'],
    ['POST', '/files/mkdir', 'parents'],
    ['DELETE', '/files'],
    ['DELETE', '/files', 'recursive'],
  ]

  for (const [method, route, extra] of operations) {
    it(`${method} ${route}${extra && extra !== 'pwned' ? ` (${extra})` : ''} refuses every escape`, async () => {
      for (const attempt of attempts) {
        const flag = extra === 'parents' ? '&parents=1' : extra === 'recursive' ? '&recursive=1' : ''
        const res = await call(stack.url, method, `${route}?path=${attempt}${flag}`, extra === 'pwned' ? 'pwned' : undefined)
        assert.equal(res.status, 400, `${method} ${route} ${attempt}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body['code'], 'PATH_OUTSIDE_WORKSPACE', `${method} ${route} ${attempt}`)
        assert.ok(!JSON.stringify(res.body).includes('top secret'))
      }
    })
  }

  it('refuses escapes on the watch socket before the upgrade', async () => {
    const base = stack.url.replace(/^http/, 'ws')
    for (const attempt of ['../x', '/etc', 'etc-link', 'inner/out-dir', 'relative-out', '..%2F']) {
      const res = await refusedUpgrade(`${base}/files/watch?path=${attempt}`)
      assert.equal(res.status, 400, attempt)
      assert.equal(res.body['code'], 'PATH_OUTSIDE_WORKSPACE', attempt)
    }
  })

  it('refuses names and paths longer than the kernel allows as bad input, on every operation and in exec', async () => {
    const longName = 'n'.repeat(300)
    const longPath = Array.from({ length: 30 }, () => 'd'.repeat(200)).join('/')
    for (const path of [longName, `inner/${longName}`, longPath]) {
      for (const [method, route, extra] of operations) {
        const res = await call(stack.url, method, `${route}?path=${path}`, extra === 'pwned' ? 'pwned' : undefined)
        assert.equal(res.status, 400, `${method} ${route} ${path.length}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body['code'], 'INVALID_REQUEST', `${method} ${route}`)
      }
      const exec = await call(stack.url, 'POST', '/sessions/default/exec', JSON.stringify({ command: 'true', cwd: path }))
      assert.equal(exec.status, 400, `exec cwd ${path.length}: ${JSON.stringify(exec.body)}`)
      assert.equal(exec.body['code'], 'INVALID_REQUEST')
    }
  })

  it('refuses a path that fits alone but not once joined to the workspace root, as bad input', async () => {
    // Under 4096 bytes itself; the kernel limit holds for the absolute path the server uses.
    const names = Array.from({ length: 17 }, () => 'e'.repeat(250))
    const path = names.join('/').slice(0, 4096 - stack.workspace.length)
    assert.ok(path.length <= 4096 && stack.workspace.length + 1 + path.length >= 4096)
    for (const [method, route, extra] of operations) {
      const res = await call(stack.url, method, `${route}?path=${path}`, extra === 'pwned' ? 'pwned' : undefined)
      assert.equal(res.status, 400, `${method} ${route}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body['code'], 'INVALID_REQUEST', `${method} ${route}`)
    }
    const exec = await call(stack.url, 'POST', '/sessions/default/exec', JSON.stringify({ command: 'true', cwd: path }))
    assert.equal(exec.status, 400, `exec cwd: ${JSON.stringify(exec.body)}`)
    assert.equal(exec.body['code'], 'INVALID_REQUEST')
  })

  it('changed nothing outside, and still serves the inside', () => {
    assert.deepEqual(readdirSync(outside), ['secret.txt'])
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret')
    assert.equal(existsSync(join('/etc', MARK)), false)
    assert.equal(existsSync(join(stack.dir, 'x')), false)
    assert.ok(existsSync(join(stack.workspace, 'etc-link')), 'the links themselves are left alone')
    assert.ok(existsSync(join(stack.workspace, 'inner', 'out-dir')))
  })

  it('allows paths that only look suspicious', async () => {
    for (const name of ['..data', 'a..b', '...', 'inner/../ok.txt', './inner//x.txt', 'inner/..%2Fnot-up']) {
      const put = await call(stack.url, 'PUT', `/files/content?path=${name}`, 'fine')
      assert.ok(put.status === 201 || put.status === 200, `${name}: ${JSON.stringify(put.body)}`)
    }
    assert.ok(existsSync(join(stack.workspace, 'ok.txt')))
    assert.ok(existsSync(join(stack.workspace, 'inner', 'x.txt')))
    // `%252F` decodes once, to a literal "%2F" in a file name, not a separator.
    assert.equal((await call(stack.url, 'PUT', '/files/content?path=..%252Fliteral', 'x')).status, 201)
    assert.ok(existsSync(join(stack.workspace, '..%2Fliteral')))
  })
})
