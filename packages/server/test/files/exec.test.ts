// Commands in a session: output streamed as it is written, exit codes, stderr, stdin, binary
// output, timeouts that kill the whole process group, cwd containment, and an environment
// that carries none of the server's secrets.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TEST_API_KEY, startStack, type Stack } from '../helpers/stack.js'
import { call, eventually, exec, ndjson, q, sleeping, type Frame } from './helpers.js'

let sleeps = 0
/** A duration no other process on the machine sleeps for. */
const uniqueSleep = () => `60.${process.pid}${++sleeps}`

describe('exec', () => {
  let stack: Stack
  let sessionDir: string
  const SERVER_ENV_SECRET = 'server-env-secret-5f0c2a'

  before(async () => {
    // The server runs in this process: whatever is in our environment is in the server's.
    process.env['CAS_TEST_SERVER_SECRET'] = SERVER_ENV_SECRET
    stack = await startStack()
    await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'box', config: { cwd: 'projects/box' } }))
    sessionDir = join(stack.workspaceOf('box'), 'projects', 'box')
    mkdirSync(join(sessionDir, 'sub'))
    symlinkSync(stack.dir, join(sessionDir, 'escape'))
  })
  after(async () => {
    delete process.env['CAS_TEST_SERVER_SECRET']
    await stack.close()
  })

  it('streams stdout while the command runs, then the exit code', async () => {
    // The command waits for a file only this test creates after reading "first": if output
    // were held back until exit, "first" would never arrive.
    const res = await fetch(`${stack.url}/sessions/box/exec`, {
      method: 'POST',
      body: JSON.stringify({
        command: 'echo first; while [ ! -f go ]; do sleep 0.02; done; echo second; echo third',
        shell: true,
        timeoutMs: 60_000,
      }),
    })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8')
    const frames: Frame[] = []
    for await (const frame of ndjson(res)) {
      frames.push(frame)
      if (frame.type === 'stdout' && frame['data'] === 'first\n')
        await call(stack.url, 'PUT', `/sessions/box/files/content${q('projects/box/go')}`, '')
    }
    const stdout = frames
      .filter((f) => f.type === 'stdout')
      .map((f) => f['data'])
      .join('')
    assert.equal(stdout, 'first\nsecond\nthird\n')
    assert.deepEqual(frames.at(-1), { type: 'exit', code: 0, signal: null, timedOut: false })
    assert.equal(frames.filter((f) => f.type === 'exit').length, 1)
  })

  it('reports stderr and a non-zero exit code', async () => {
    const run = await exec(stack.url, 'box', { command: 'sh', args: ['-c', 'echo out; echo oops >&2; exit 3'] })
    assert.equal(run.stdout, 'out\n')
    assert.equal(run.stderr, 'oops\n')
    assert.deepEqual(run.exit, { type: 'exit', code: 3, signal: null, timedOut: false })
  })

  it('passes args without a shell, and to a shell as $1...', async () => {
    const direct = await exec(stack.url, 'box', { command: 'printf', args: ['%s|', 'a b', '$HOME', '*'] })
    assert.equal(direct.stdout, 'a b|$HOME|*|')
    const shell = await exec(stack.url, 'box', { command: 'echo "$0:$1:$2"', args: ['x y', 'z'], shell: true })
    assert.equal(shell.stdout, 'bash:x y:z\n')
  })

  it('feeds stdin and keeps binary output exact in base64', async () => {
    assert.equal((await exec(stack.url, 'box', { command: 'cat', stdin: 'from stdin\n' })).stdout, 'from stdin\n')
    assert.equal((await exec(stack.url, 'box', { command: 'cat' })).exit?.['code'], 0, 'stdin is closed when absent')
    const bytes = [0xff, 0x00, 0x80, 0x41]
    const printf = { command: 'printf', args: [bytes.map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')] }
    const b64 = await exec(stack.url, 'box', { ...printf, encoding: 'base64' })
    assert.deepEqual([...Buffer.from(b64.stdout, 'base64')], bytes)
    const utf8 = await exec(stack.url, 'box', printf)
    assert.equal(utf8.stdout, '\ufffd\u0000\ufffdA')
  })

  it('kills the process group on timeout and says so', async () => {
    const seconds = uniqueSleep()
    // Long enough for the sandbox to start the command under load: the sleep is seen running
    // before the timeout, and gone after it.
    const res = await fetch(`${stack.url}/sessions/box/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: `sleep ${seconds} & echo started; wait`, shell: true, timeoutMs: 3_000 }),
    })
    const frames: Frame[] = []
    for await (const frame of ndjson(res)) {
      frames.push(frame)
      if (frame.type === 'stdout') await eventually(() => sleeping(seconds).length === 1, 'the background sleep runs')
    }
    assert.equal(frames.find((f) => f.type === 'stdout')?.['data'], 'started\n')
    assert.deepEqual(frames.at(-1), { type: 'exit', code: null, signal: 'SIGKILL', timedOut: true })
    await eventually(() => sleeping(seconds).length === 0, 'the background sleep was killed with its group')
  })

  it('leaves nothing running once the command exits', async () => {
    const seconds = uniqueSleep()
    const run = await exec(stack.url, 'box', { command: `sleep ${seconds} > /dev/null 2>&1 & echo $!`, shell: true })
    assert.equal(run.exit?.['code'], 0)
    assert.ok(Number(run.stdout.trim()) > 0, 'the background sleep started')
    await eventually(() => sleeping(seconds).length === 0, 'the orphaned sleep was killed')
  })

  it('kills the command when the client goes away', async () => {
    const seconds = uniqueSleep()
    const controller = new AbortController()
    const res = await fetch(`${stack.url}/sessions/box/exec`, {
      method: 'POST',
      body: JSON.stringify({ command: `echo started; exec sleep ${seconds}`, shell: true }),
      signal: controller.signal,
    })
    let started = false
    try {
      for await (const frame of ndjson(res)) {
        started = String(frame['data']).trim() === 'started'
        await eventually(() => sleeping(seconds).length === 1, 'the command runs')
        controller.abort()
      }
    } catch {
      // aborted
    }
    assert.ok(started)
    await eventually(() => sleeping(seconds).length === 0, 'the command was killed')
  })

  it("runs in the session's directory, and refuses a cwd outside it", async () => {
    const pwd = await exec(stack.url, 'box', { command: 'pwd' })
    assert.equal(pwd.stdout.trim(), realpathSync(sessionDir))
    assert.equal((await exec(stack.url, 'box', { command: 'pwd', cwd: 'sub' })).stdout.trim(), realpathSync(join(sessionDir, 'sub')))
    assert.equal((await exec(stack.url, 'box', { command: 'pwd', cwd: 'sub/..' })).stdout.trim(), realpathSync(sessionDir))
    // The default session works in the workspace directory itself, which holds no other session's.
    assert.equal((await exec(stack.url, 'default', { command: 'pwd' })).stdout.trim(), realpathSync(stack.workspace))
    assert.equal((await exec(stack.url, 'default', { command: 'pwd', cwd: 'projects/box' })).body['code'], 'FILE_NOT_FOUND')
    for (const cwd of ['..', '../..', '../../..', '/tmp', '/', 'escape', 'escape/data', 'sub/../../other']) {
      const run = await exec(stack.url, 'box', { command: 'pwd', cwd })
      assert.equal(run.status, 400, `${cwd}: ${JSON.stringify(run.body)}`)
      assert.equal(run.body['code'], 'PATH_OUTSIDE_WORKSPACE', cwd)
    }
    assert.equal((await exec(stack.url, 'box', { command: 'pwd', cwd: 'missing' })).body['code'], 'FILE_NOT_FOUND')
  })

  it("gives the command a minimal environment without the server's secrets", async () => {
    const run = await exec(stack.url, 'box', { command: 'env', env: { EXTRA: 'added' } })
    const env = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    assert.equal(env['EXTRA'], 'added')
    assert.ok(env['PATH'])
    assert.ok(env['HOME']?.startsWith(join(stack.dir, 'data', 'sessions', 'box')), env['HOME'])
    for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'CAS_TEST_SERVER_SECRET', 'CLAUDE_CONFIG_DIR']) {
      assert.equal(env[name], undefined, `${name} is not passed`)
    }
    assert.ok(!run.stdout.includes(TEST_API_KEY))
    assert.ok(!run.stdout.includes(SERVER_ENV_SECRET))
  })

  it('answers bad requests with codes', async () => {
    const missing = await exec(stack.url, 'nope', { command: 'true' })
    assert.equal(missing.status, 404)
    assert.equal(missing.body['code'], 'SESSION_NOT_FOUND')
    const notFound = await exec(stack.url, 'box', { command: 'no-such-command-here' })
    assert.equal(notFound.status, 400)
    assert.equal(notFound.body['code'], 'EXEC_FAILED')
    assert.equal(notFound.body['data'].errno, 'ENOENT')
    // A directory has its x bit, yet no one can run it: refused as spawn refuses it.
    const directory = await exec(stack.url, 'box', { command: '/tmp' })
    assert.equal(directory.status, 400, JSON.stringify(directory.body))
    assert.equal(directory.body['code'], 'EXEC_FAILED')
    assert.equal(directory.body['data'].errno, 'EACCES')
    const cases: Array<[unknown, string]> = [
      [{}, 'command'],
      [{ command: '' }, 'command'],
      [{ command: 'ls', args: 'a' }, 'args'],
      [{ command: 'ls', timeoutMs: -1 }, 'timeoutMs'],
      [{ command: 'ls', env: { A: 1 } }, 'env.A'],
      [{ command: 'ls', surprise: true }, '(root)'],
    ]
    for (const [body, path] of cases) {
      const res = await exec(stack.url, 'box', body)
      assert.equal(res.body['code'], 'INVALID_REQUEST', JSON.stringify(body))
      assert.ok(
        (res.body['data'].issues as Array<{ path: string }>).some((i) => i.path === path),
        JSON.stringify(res.body),
      )
    }
    const bad = await call(stack.url, 'POST', '/sessions/box/exec', '{not json')
    assert.equal(bad.body['code'], 'BAD_JSON')
  })

  it('removes a tree a command nested past PATH_MAX: through the files API and with its session', async () => {
    await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'deep' }))
    const root = stack.workspaceOf('deep')
    const name = 'd'.repeat(200)
    // 25 levels of 200 bytes: past 4096, where Node's own rm fails with ENAMETOOLONG. Also in
    // the sandbox's HOME (the session's state), which the delete removes too.
    const nest = (dir: string) =>
      `mkdir -p ${dir} && cd ${dir} && for i in $(seq 25); do mkdir ${name} && cd ${name}; done && echo x > leaf`
    const made = await exec(stack.url, 'deep', { command: `(${nest('tree')}) && (${nest('"$HOME"')})`, shell: true })
    assert.equal(made.exit?.['code'], 0, made.stderr)
    const removed = await call(stack.url, 'DELETE', `/sessions/deep/files${q('tree', '&recursive=true')}`)
    assert.equal(removed.status, 200, JSON.stringify(removed.body))
    assert.ok(!existsSync(join(root, 'tree')), 'the tree is gone')
    const stateDir = stack.server.sessions.get('deep').stateDir
    assert.ok(readdirSync(join(stateDir, 'home')).includes(name), 'the nested HOME is there before the delete')
    const deleted = await call(stack.url, 'DELETE', '/sessions/deep')
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
    assert.ok(!existsSync(stateDir) && !existsSync(root), 'its state and its workspace are gone')
  })
})
