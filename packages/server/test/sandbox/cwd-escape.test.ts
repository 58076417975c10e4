// A session's cwd (and an exec cwd) that leads out of the workspace through a symlink is
// refused, at creation and again at each start of the agent, since an agent can make or swap
// a link in the workspace at any time. The real CLI in the real bubblewrap sandbox is told to
// write into its cwd; the host directory the link points at stays untouched.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { call, exec } from '../files/helpers.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

/** The model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

describe("a session's cwd through a symlink", () => {
  let stack: Stack
  let host: string
  const hostFiles = () => readdirSync(host).sort()
  const shared = () => stack.sharedWorkspace('links')

  before(async () => {
    stack = await startStack({
      // Each script plays once: one per prompt below.
      scenario: { scripts: ['via link', 'swapped', 'swapped back'].map((p) => runBash(p, 'echo pwned > pwned.txt; pwd')) },
      settings: { prewarm: false },
    })
    // A host directory beside the workspace: what an escape would write into.
    host = join(stack.dir, 'host')
    mkdirSync(host)
    writeFileSync(join(host, 'keep.txt'), 'host file')
    // The same links in the default session's workspace and in the one the sessions below share.
    for (const ws of [stack.workspace, shared()]) {
      mkdirSync(join(ws, 'inner'), { recursive: true })
      symlinkSync(host, join(ws, 'to-host'))
      symlinkSync('/', join(ws, 'to-root'))
      symlinkSync(relative(ws, host), join(ws, 'relative-host'))
      symlinkSync(join(host, 'missing'), join(ws, 'dangling'))
      symlinkSync('inner', join(ws, 'to-inner'))
    }
  })
  after(() => stack.close())

  const create = (id: string, cwd: string) =>
    call(
      stack.url,
      'POST',
      '/sessions',
      JSON.stringify({ id, config: { cwd, workspace: { shared: 'links' }, permissionMode: 'bypassPermissions' } }),
    )

  it('refuses a cwd that leaves the workspace, through a link or `..`, and creates nothing', async () => {
    const escapes = [
      'to-host',
      'to-host/new',
      'to-root',
      'to-root/tmp',
      'relative-host',
      'dangling',
      'dangling/new',
      'inner/../to-host',
      'inner/../../host',
      '../host',
      '/tmp',
    ]
    for (const [i, cwd] of escapes.entries()) {
      const res = await create(`escape-${i}`, cwd)
      assert.equal(res.status, 400, `${cwd}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body['code'], 'PATH_OUTSIDE_WORKSPACE', cwd)
      assert.ok(
        res.body['data'].issues.some((issue: { path: string }) => issue.path === 'config.cwd'),
        JSON.stringify(res.body),
      )
    }
    assert.deepEqual(hostFiles(), ['keep.txt'])
    assert.equal(existsSync(join(host, 'missing')), false, 'the dangling link made nothing')
    const list = (await call(stack.url, 'GET', '/sessions')).body['sessions'] as Array<{ id: string }>
    assert.equal(
      list.some((s) => s.id.startsWith('escape-')),
      false,
    )
  })

  it('accepts a link that stays inside, and the agent works in its real directory', async () => {
    assert.equal((await create('via-link', 'to-inner/deeper')).status, 201)
    assert.equal(existsSync(join(shared(), 'inner', 'deeper')), true)
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/via-link/ws`)
    probe.prompt('via link')
    const result = sdkData(await probe.result())
    probe.close()
    assert.equal(result['is_error'], false, JSON.stringify(result))
    assert.equal(existsSync(join(shared(), 'inner', 'deeper', 'pwned.txt')), true)
  })

  it('refuses to start the agent once the cwd was swapped for a link out, and the host stays untouched', async () => {
    const cwd = join(shared(), 'swap')
    assert.equal((await create('swapped', 'swap')).status, 201)
    // What an agent (or exec) in another session could do meanwhile.
    renameSync(cwd, join(shared(), 'swap-was'))
    symlinkSync(host, cwd)

    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/swapped/ws`)
    probe.prompt('swapped')
    const error = await probe.next((f) => f.type === 'error' || (f.type === 'sdk_message' && sdkData(f)['type'] === 'result'))
    assert.equal(error['code'], 'AGENT_START_FAILED', JSON.stringify(error))
    assert.match(error['error'] as string, /config\.cwd: Path "swap" leads outside the workspace/)

    const run = await exec(stack.url, 'swapped', { command: 'touch', args: ['pwned-by-exec.txt'] })
    assert.equal(run.body['code'], 'PATH_OUTSIDE_WORKSPACE', JSON.stringify(run.body))
    assert.deepEqual(hostFiles(), ['keep.txt'], 'nothing was written into the host directory')

    // Swapped back to a real directory, the session works again.
    rmSync(cwd)
    mkdirSync(cwd)
    const from = probe.frames.length
    probe.prompt('swapped back')
    const result = sdkData(await probe.result(from))
    probe.close()
    assert.equal(result['is_error'], false, JSON.stringify(result))
    assert.equal(existsSync(join(cwd, 'pwned.txt')), true)
    assert.deepEqual(hostFiles(), ['keep.txt'])
  })

  it("refuses an exec cwd through a link out of the session's directory", async () => {
    for (const cwd of ['to-host', 'to-root', 'dangling', 'inner/../to-host']) {
      const run = await exec(stack.url, 'default', { command: 'touch', args: ['pwned-by-exec.txt'], cwd })
      assert.equal(run.body['code'], 'PATH_OUTSIDE_WORKSPACE', `${cwd}: ${JSON.stringify(run.body)}`)
    }
    assert.deepEqual(hostFiles(), ['keep.txt'])
    assert.equal(existsSync('/pwned-by-exec.txt'), false)
  })
})
