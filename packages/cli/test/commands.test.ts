// The other subcommands against the real server (pipes, not a terminal): sessions ls/show/rm,
// logs, exec (its exit code ours), files put/get/ls, and serve running the server's own entry.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { say, startStack, type Stack } from '../../client/test/e2e/helpers/stack.js'
import { CLI, REPO, runCli } from './helpers/terminal.js'

describe('claude-agent sessions, logs, exec, files', () => {
  let stack: Stack
  let dir: string
  const env = () => ({ CLAUDE_AGENT_URL: stack.url })

  before(async () => {
    stack = await startStack({ scripts: [say('log me', 'Logged answer.')] })
    dir = mkdtempSync(join(tmpdir(), 'cli-commands-'))
  })
  after(async () => {
    await stack.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sessions ls, show and rm; logs prints the event log', async () => {
    const made = await runCli(['run', '--new', 'log me'], env())
    assert.equal(made.code, 0, made.stderr)
    const ls = await runCli(['sessions', 'ls', '--json'], env())
    const ids = (JSON.parse(ls.stdout) as Array<{ id: string }>).map((s) => s.id)
    const id = ids.find((s) => s.startsWith('chat-'))
    assert.ok(id, ls.stdout)

    const show = await runCli(['sessions', 'show', id], env())
    assert.equal((JSON.parse(show.stdout) as { id: string }).id, id)

    const logs = await runCli(['logs', id], env())
    assert.equal(logs.code, 0, logs.stderr)
    assert.match(logs.stdout, /Logged answer\./)
    const json = await runCli(['logs', '--json', id], env())
    const seqs = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number }).seq)
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
      'every event, in order',
    )

    // A follower whose session is deleted under it says so and fails (it ended silently with 0).
    const following = runCli(['logs', '--follow', id], env())
    const deadline = Date.now() + 30_000
    while (stack.server.sessions.get(id).info().clients === 0) {
      assert.ok(Date.now() < deadline, 'logs --follow never attached')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal((await runCli(['sessions', 'rm', id], env())).code, 0)
    const followed = await following
    assert.equal(followed.code, 1)
    assert.match(followed.stdout, /Logged answer\./)
    assert.match(followed.stderr, new RegExp(`the log of ${id} ended: .*deleted`))
    const gone = await runCli(['sessions', 'show', id], env())
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /SESSION_NOT_FOUND/)
  })

  it("exec streams the command's output and exits with its code", async () => {
    const ok = await runCli(['exec', 'default', '--', 'sh', '-c', 'echo out; echo err >&2'], env())
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stdout, 'out\n')
    assert.equal(ok.stderr, 'err\n')
    const failed = await runCli(['exec', '--shell', 'default', '--', 'exit 7'], env())
    assert.equal(failed.code, 7)
  })

  it('files put, ls and get round-trip bytes; a path outside the workspace is refused', async () => {
    const source = join(dir, 'in.bin')
    writeFileSync(source, Buffer.from([0, 1, 2, 255, 10]))
    assert.equal((await runCli(['files', 'put', source, 'up/data.bin'], env())).code, 0)
    const ls = await runCli(['files', 'ls', 'up'], env())
    assert.match(ls.stdout, /^up\/data\.bin\t5\t/m)
    const dest = join(dir, 'out.bin')
    assert.equal((await runCli(['files', 'get', 'up/data.bin', dest], env())).code, 0)
    assert.deepEqual(readFileSync(dest), readFileSync(source))
    // A directory as DEST gets the file under its own name, as with cp; a missing one is named.
    const into = mkdtempSync(join(dir, 'into-'))
    assert.equal((await runCli(['files', 'get', 'up/data.bin', into], env())).code, 0)
    assert.deepEqual(readFileSync(join(into, 'data.bin')), readFileSync(source))
    const nowhere = await runCli(['files', 'get', 'up/data.bin', join(dir, 'no-dir', 'x.bin')], env())
    assert.equal(nowhere.code, 1)
    assert.match(nowhere.stderr, /ENOENT: cannot write .*no-dir\/x\.bin/)
    assert.deepEqual(readdirSync(into), ['data.bin'], 'no temporary file left beside it')
    // An existing DEST keeps its permissions; one that is a link is written through, as cp does.
    const secret = join(into, 'data.bin')
    chmodSync(secret, 0o600)
    const link = join(into, 'link.bin')
    symlinkSync(secret, link)
    writeFileSync(secret, 'old')
    assert.equal((await runCli(['files', 'get', 'up/data.bin', link], env())).code, 0)
    assert.equal(lstatSync(link).isSymbolicLink(), true, 'the link stays a link')
    assert.deepEqual(readFileSync(secret), readFileSync(source))
    assert.equal(statSync(secret).mode & 0o777, 0o600)
    const piped = await runCli(['files', 'put', '-', 'up/text.txt'], env(), 'from stdin\n')
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal((await runCli(['files', 'get', 'up/text.txt'], env())).stdout, 'from stdin\n')
    const outside = await runCli(['files', 'get', '../etc/passwd'], env())
    assert.equal(outside.code, 1)
    assert.match(outside.stderr, /PATH_OUTSIDE_WORKSPACE/)
    // A local source that cannot be read is the source's fault, not the network's.
    for (const [bad, cause] of [
      [dir, /EISDIR/],
      [join(dir, 'missing.bin'), /ENOENT/],
    ] as const) {
      const put = await runCli(['files', 'put', bad, 'up/data.bin'], env())
      assert.equal(put.code, 1)
      assert.match(put.stderr, /SOURCE_FAILED/)
      assert.match(put.stderr, cause)
      assert.doesNotMatch(put.stderr, /CONNECTION_FAILED|Could not reach/)
    }
    const again = join(dir, 'again.bin')
    assert.equal((await runCli(['files', 'get', 'up/data.bin', again], env())).code, 0)
    assert.deepEqual(readFileSync(again), readFileSync(source), 'the earlier upload is untouched')
  })

  it('files get stopped by Ctrl-C or SIGTERM mid-download leaves no temporary file behind', async () => {
    // 2 GiB (sparse): still downloading when the signal comes.
    const big = join(stack.server.sessions.defaultSession.workspace.root, 'big.bin')
    writeFileSync(big, '')
    truncateSync(big, 2 * 1024 ** 3)
    try {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        const into = mkdtempSync(join(dir, `signal-${signal}-`))
        const child = spawn(CLI[0]!, [...CLI.slice(1), 'files', 'get', 'big.bin', join(into, 'big.bin')], {
          cwd: REPO,
          env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...env() },
          stdio: 'ignore',
        })
        const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, by) => resolve(by)))
        while (!readdirSync(into).some((name) => name.endsWith('.part'))) await new Promise((resolve) => setTimeout(resolve, 5))
        child.kill(signal)
        assert.equal(await closed, signal, 'it still ends as the signal says (the shell sees 130 or 143)')
        assert.deepEqual(readdirSync(into), [], `${signal}: nothing left, DEST never made`)
      }
    } finally {
      rmSync(big, { force: true })
    }
  })
})

describe('claude-agent files ID and tokens, with roles', () => {
  const ADMIN = `admin-${'a'.repeat(24)}`
  let stack: Stack
  let dir: string
  const as = (token: string) => ({ CLAUDE_AGENT_URL: stack.url, CLAUDE_AGENT_TOKEN: token })

  before(async () => {
    stack = await startStack({ scripts: [] }, { authTokens: [{ label: 'root', role: 'admin', token: ADMIN }] })
    dir = mkdtempSync(join(tmpdir(), 'cli-tenancy-'))
  })
  after(async () => {
    await stack.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a token read from a CRLF file works; one with a line break inside is refused, never shown', async () => {
    const crlf = await runCli(['sessions', 'ls'], as(`${ADMIN}\r\n`))
    assert.equal(crlf.code, 0, crlf.stderr)
    const broken = await runCli(['sessions', 'ls'], as(`${ADMIN.slice(0, 10)}\n${ADMIN.slice(10)}`))
    assert.equal(broken.code, 1)
    assert.match(broken.stderr, /INVALID_ARGUMENT: token holds a line break/)
    assert.ok(!broken.stderr.includes(ADMIN.slice(10)), broken.stderr)
    const flag = await runCli(['sessions', 'ls', '--token', ` ${ADMIN} `], { CLAUDE_AGENT_URL: stack.url })
    assert.equal(flag.code, 0, flag.stderr)
  })

  it("files ID put, ls and get work in that session's own workspace, apart from the default's", async () => {
    assert.equal((await runCli(['sessions', 'ls'], as(ADMIN))).code, 0)
    await stack.server.http.request('/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cli-files' }),
    })
    const put = await runCli(['files', 'cli-files', 'put', '-', 'notes/own.txt'], as(ADMIN), 'its own\n')
    assert.equal(put.code, 0, put.stderr)
    assert.equal(readFileSync(join(stack.server.sessions.get('cli-files').workspace.root, 'notes', 'own.txt'), 'utf8'), 'its own\n')
    assert.match((await runCli(['files', 'cli-files', 'ls', 'notes'], as(ADMIN))).stdout, /^notes\/own\.txt\t8\t/m)
    assert.equal((await runCli(['files', 'cli-files', 'get', 'notes/own.txt'], as(ADMIN))).stdout, 'its own\n')
    const theDefault = await runCli(['files', 'get', 'notes/own.txt'], as(ADMIN))
    assert.equal(theDefault.code, 1, "not in the default session's workspace")
    assert.match(theDefault.stderr, /FILE_NOT_FOUND/)
    const unknown = await runCli(['files', 'no-such', 'ls'], as(ADMIN))
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /SESSION_NOT_FOUND/)
  })

  it('tokens create prints the value once; it works with its role; ls lists it; revoke ends it', async () => {
    const created = await runCli(['tokens', 'create', '--label', 'ci', '--role', 'viewer'], as(ADMIN))
    assert.equal(created.code, 0, created.stderr)
    const secret = created.stdout.trim()
    assert.match(secret, /^\S{32,}$/, 'only the value on stdout')
    const id = /created (\S+) \(ci, viewer\)/.exec(created.stderr)?.[1]
    assert.ok(id, created.stderr)

    const listed = await runCli(['tokens', 'ls'], as(ADMIN))
    assert.match(listed.stdout, new RegExp(`^${id}\tci\tviewer\t`, 'm'))
    assert.ok(!listed.stdout.includes(secret), 'never the value')

    assert.equal((await runCli(['sessions', 'ls'], as(secret))).code, 0, 'the viewer reads')
    const refused = await runCli(['tokens', 'ls'], as(secret))
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /FORBIDDEN/)

    assert.equal((await runCli(['tokens', 'revoke', id], as(ADMIN))).code, 0)
    const after = await runCli(['sessions', 'ls'], as(secret))
    assert.equal(after.code, 1)
    assert.match(after.stderr, /UNAUTHORIZED/)
    const bad = await runCli(['tokens', 'create', '--label', 'x', '--role', 'owner'], as(ADMIN))
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--role must be one of admin, member, viewer/)
  })
})

describe('claude-agent serve', () => {
  it("runs the server's own entry with its settings; a client works against it; SIGTERM stops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-serve-'))
    const child = spawn(CLI[0]!, [...CLI.slice(1), 'serve', '--port', '0', '--data-dir', join(dir, 'data')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', NODE_OPTIONS: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const match = /listening on (http:\/\/[^\s"]+)/.exec(output)
          if (match) resolve(match[1]!)
        }
        child.stdout.on('data', check)
        child.stderr.on('data', check)
        void exited.then((code) => reject(new Error(`serve exited (${code}): ${output}`)))
      })
      // No credential: the server's offline demo model answers.
      const answer = await runCli(['run', '--url', url, 'hello'], {})
      assert.equal(answer.code, 0, answer.stderr)
      assert.match(answer.stdout, /offline demo model/)
      child.kill('SIGTERM')
      assert.equal(await exited, 0, output)
    } finally {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
    const help = await runCli(['serve', '--help'], {})
    assert.equal(help.code, 0)
    assert.match(help.stdout, /Usage: claude-agent serve[\s\S]*--data-dir/)
  })
})
