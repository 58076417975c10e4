// A NUL byte in what becomes a process's arguments, environment or paths is refused at the
// schema with INVALID_REQUEST, and no refused or failed exec leaves a file descriptor or a
// sandbox run directory behind (they used to leak one of each per request).
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sandboxedSpawner } from '../../src/exec/spawn.js'
import { createLogger } from '../../src/logger.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, exec } from './helpers.js'

const openFds = () => readdirSync('/proc/self/fd').length
/** This process's sandbox run directories (cas-sandbox-<pid>-*) and the runs inside them. */
const sandboxRuns = () =>
  readdirSync(tmpdir())
    .filter((name) => name.startsWith(`cas-sandbox-${process.pid}-`))
    .flatMap((dir) => readdirSync(join(tmpdir(), dir)).map((run) => `${dir}/${run}`))

describe('NUL bytes in exec and session requests', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack()
    await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'box' }))
  })
  after(() => stack.close())

  /** Each request, and the field its refusal names. */
  const bad: Array<[string, unknown]> = [
    ['command', { command: 'ls\0-la' }],
    ['args.1', { command: 'echo', args: ['ok', 'a\0b'] }],
    ['env.X', { command: 'env', env: { X: 'a\0b' } }],
    ['env.A\0B', { command: 'env', env: { 'A\0B': 'x' } }],
    ['env.A=B', { command: 'env', env: { 'A=B': 'x' } }],
    ['env.', { command: 'env', env: { '': 'x' } }],
    ['cwd', { command: 'pwd', cwd: 'a\0b' }],
    ['args.0', { command: 'echo "$1"', shell: true, args: ['\0'] }],
  ]
  /** A leak was one descriptor per request; a few come and go with the runtime's own work. */
  const SLACK = 3

  it('refuses each with INVALID_REQUEST naming the field, and leaks nothing', async () => {
    // One good run first, so that lazily opened descriptors (sockets, the sandbox) are counted.
    assert.equal((await exec(stack.url, 'box', { command: 'true' })).exit?.['code'], 0)
    const fds = openFds()
    const runs = sandboxRuns()
    for (let round = 0; round < 3; round++) {
      for (const [what, body] of bad) {
        const res = await exec(stack.url, 'box', body)
        assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`)
        assert.equal(res.body['code'], 'INVALID_REQUEST', what)
        const issues = res.body['data'].issues as Array<{ path: string }>
        assert.ok(
          issues.some((issue) => issue.path === what),
          `${what}: ${JSON.stringify(res.body)}`,
        )
      }
    }
    assert.ok(openFds() <= fds + SLACK, `no file descriptor leaked (${fds} before, ${openFds()} after)`)
    assert.deepEqual(sandboxRuns(), runs, 'no sandbox run directory left behind')
    // The server still runs commands.
    assert.equal((await exec(stack.url, 'box', { command: 'echo', args: ['still here'] })).stdout, 'still here\n')
  })

  it('refuses a session cwd with a NUL byte', async () => {
    const res = await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'nul', config: { cwd: 'a\0b' } }))
    assert.equal(res.status, 400)
    assert.equal(res.body['code'], 'INVALID_REQUEST')
  })
})

describe('a command spawn refuses after its sandbox was prepared', () => {
  let dir: string
  let sandbox: BubblewrapSandbox
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-spawn-'))
    sandbox = BubblewrapSandbox.create({ dataDir: join(dir, 'data'), logger: createLogger({ level: 'silent' }) })
  })
  after(async () => {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('closes the run (its sockets and directory) when spawn throws', async () => {
    const spawner = sandboxedSpawner(sandbox)
    const target = { id: 's', cwd: dir, stateDir: join(dir, 'state') }
    const fds = openFds()
    const runs = sandboxRuns()
    for (let i = 0; i < 20; i++) {
      // Past the schema (a caller that skipped it): spawn itself throws on the NUL.
      assert.throws(() => spawner(target, 'echo', ['a\0b'], { cwd: dir, env: {} }), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    // close() is asynchronous (the proxies' servers): wait for the runs to go.
    for (let i = 0; i < 100 && sandboxRuns().length > runs.length; i++) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(sandboxRuns(), runs, 'every prepared run was closed')
    assert.ok(openFds() <= fds + 3, `no file descriptor leaked (${fds} before, ${openFds()} after)`)
  })
})
