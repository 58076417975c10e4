// Sessions in the real bubblewrap sandbox cannot reach each other's workspaces: session
// alpha's agent, told by the scripted model to read and write session beta's files (a relative
// `..` path, an absolute one, symlinks planted in its own directory pointing at beta's) and the
// default session's, gets nothing and changes nothing; the files API and exec refuse the same;
// a deleted session's directory goes, a shared one stays.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { call, exec, q } from '../files/helpers.js'
import { refusedUpgrade } from '../helpers/http.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WsProbe, sdkData } from '../helpers/ws-probe.js'

const BETA_TEXT = `beta-private-${randomBytes(6).toString('hex')}`
const DEFAULT_TEXT = `default-private-${randomBytes(6).toString('hex')}`

/** A script: the model asks for one Bash command, then answers with its output. */
const runBash = (prompt: string, command: string) => ({
  match: { prompt },
  replies: [
    { content: [{ type: 'tool_use' as const, name: 'Bash', input: { command } }] },
    { content: [{ type: 'text' as const, text: 'OUTPUT<<{{toolResult}}>>' }] },
  ],
})

// Alpha works in <dir>/data/workspaces/sessions/alpha; the default in <dir>/workspace.
const ATTEMPTS = {
  own: 'cat mine.txt',
  relative: 'cat ../beta/x 2>&1; echo rc=$?',
  absolute: 'cat "$(dirname "$PWD")/beta/x" 2>&1; echo rc=$?',
  links: 'cat to-beta/x to-beta-file 2>&1; ls to-beta 2>&1; echo rc=$?',
  default: 'cat "$(dirname "$(dirname "$(dirname "$(dirname "$PWD")")")")/workspace/d.txt" 2>&1; cat to-default/d.txt 2>&1; echo rc=$?',
  writes: 'echo pwned > ../beta/y 2>&1; echo pwned > to-beta/z 2>&1; echo pwned > to-beta-file 2>&1; echo rc=$?',
  parent: 'ls -a .. 2>&1; ls -a ../.. 2>&1',
}

describe('workspaces per session in the sandbox', () => {
  let stack: Stack
  let probe: WsProbe
  let betaDir: string

  const ask = (prompt: keyof typeof ATTEMPTS): Promise<string> => probe.ask(prompt)

  before(async () => {
    stack = await startStack({
      scenario: { scripts: Object.entries(ATTEMPTS).map(([prompt, command]) => runBash(prompt, command)) },
      settings: { prewarm: false },
    })
    for (const id of ['alpha', 'beta']) {
      const created = await call(stack.url, 'POST', '/sessions', JSON.stringify({ id, config: { permissionMode: 'bypassPermissions' } }))
      assert.equal(created.status, 201, JSON.stringify(created.body))
    }
    assert.equal((await call(stack.url, 'PUT', `/sessions/beta/files/content${q('x')}`, BETA_TEXT)).status, 201)
    assert.equal((await call(stack.url, 'PUT', `/sessions/alpha/files/content${q('mine.txt')}`, 'alpha own')).status, 201)
    writeFileSync(join(stack.workspace, 'd.txt'), DEFAULT_TEXT)
    betaDir = realpathSync(stack.workspaceOf('beta'))
    const alphaDir = stack.workspaceOf('alpha')
    // What a careless operator, or another tenant with host access, could leave in alpha's directory.
    symlinkSync(betaDir, join(alphaDir, 'to-beta'))
    symlinkSync(join(betaDir, 'x'), join(alphaDir, 'to-beta-file'))
    symlinkSync(realpathSync(stack.workspace), join(alphaDir, 'to-default'))
    probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/alpha/ws`)
  })
  after(async () => {
    probe.close()
    await stack.close()
  })

  it("gives each session its own directory, apart from the default session's", () => {
    assert.notEqual(stack.workspaceOf('alpha'), stack.workspaceOf('beta'))
    for (const id of ['alpha', 'beta']) assert.ok(!realpathSync(stack.workspaceOf(id)).startsWith(`${realpathSync(stack.workspace)}/`))
  })

  it("lets alpha's agent read its own files", async () => {
    assert.match(await ask('own'), /alpha own/)
  })

  it("keeps beta's and the default session's files from alpha's agent: relative, absolute, through links", async () => {
    for (const attempt of ['relative', 'absolute', 'links', 'default'] as const) {
      const output = await ask(attempt)
      assert.ok(!output.includes(BETA_TEXT) && !output.includes(DEFAULT_TEXT), `${attempt}: ${output}`)
      assert.match(output, /No such file or directory/, `${attempt}: ${output}`)
    }
  })

  it("lets alpha's agent write nothing into beta's directory, nor see it beside its own", async () => {
    await ask('writes')
    assert.deepEqual(readdirSync(betaDir), ['x'])
    const parent = await ask('parent')
    assert.ok(!parent.includes('beta'), parent)
  })

  it('refuses the same through the files API and exec', async () => {
    for (const path of ['../beta/x', 'to-beta/x', 'to-beta-file', 'to-default/d.txt', '../../../workspace/d.txt']) {
      const res = await call(stack.url, 'GET', `/sessions/alpha/files/content${q(path)}`)
      assert.equal(res.body['code'], 'PATH_OUTSIDE_WORKSPACE', `${path}: ${JSON.stringify(res.body)}`)
    }
    const run = await exec(stack.url, 'alpha', { command: 'cat ../beta/x to-beta/x 2>&1', shell: true })
    assert.ok(!run.stdout.includes(BETA_TEXT), run.stdout)
    assert.equal((await call(stack.url, 'GET', `/sessions/nobody/files${q('.')}`)).body['code'], 'SESSION_NOT_FOUND')
    const ws = stack.url.replace(/^http/, 'ws')
    assert.equal((await refusedUpgrade(`${ws}/sessions/nobody/files/watch`)).body['code'], 'SESSION_NOT_FOUND')
    assert.equal((await refusedUpgrade(`${ws}/sessions/alpha/files/watch${q('to-beta')}`)).body['code'], 'PATH_OUTSIDE_WORKSPACE')
    assert.equal((await refusedUpgrade(`${ws}/sessions/%ZZ/files/watch`)).body['code'], 'INVALID_REQUEST')
  })

  it("shows alpha's exec nothing of beta's directory when the program it names lies there", async () => {
    // What beta's agent may well have left: a script, executable. The command's variables run
    // alpha's code before it (BASH_ENV), in whatever the sandbox shows.
    writeFileSync(join(betaDir, 'build.sh'), '#!/bin/bash\necho built\n', { mode: 0o755 })
    const alphaDir = stack.workspaceOf('alpha')
    writeFileSync(join(alphaDir, 'peek.sh'), `cat ${join(betaDir, 'x')} 2>&1; ls ${betaDir} 2>&1\n`)
    const run = await exec(stack.url, 'alpha', { command: join(betaDir, 'build.sh'), env: { BASH_ENV: join(alphaDir, 'peek.sh') } })
    const seen = `${run.stdout}${run.stderr}${JSON.stringify(run.body)}`
    assert.ok(!seen.includes(BETA_TEXT) && !seen.includes('built'), seen)
  })

  it("tells alpha's exec nothing of which names exist in beta's directory", async () => {
    // The lookup on the host answered EACCES for a file there and ENOENT for none: an oracle
    // for another tenant's file names (and for what lies under /root).
    const answers = []
    for (const request of [
      { command: join(betaDir, 'x') },
      { command: join(betaDir, 'build.sh') },
      { command: 'x', env: { PATH: betaDir } },
      { command: join(betaDir, 'no-such-file') },
      { command: 'no-such-file', env: { PATH: betaDir } },
    ]) {
      const res = await exec(stack.url, 'alpha', request)
      answers.push({
        status: res.status,
        code: res.body['code'],
        errno: (res.body['data'] as Record<string, unknown> | undefined)?.['errno'],
      })
    }
    assert.deepEqual(
      new Set(answers.map((a) => JSON.stringify(a))),
      new Set([JSON.stringify({ status: 400, code: 'EXEC_FAILED', errno: 'ENOENT' })]),
    )
  })

  it("removes a deleted session's own directory, never a shared one", async () => {
    for (const id of ['share-1', 'share-2']) {
      await call(stack.url, 'POST', '/sessions', JSON.stringify({ id, config: { workspace: { shared: 'team' } } }))
    }
    assert.equal(stack.workspaceOf('share-1'), stack.workspaceOf('share-2'))
    await call(stack.url, 'PUT', `/sessions/share-1/files/content${q('kept.txt')}`, 'kept')
    assert.equal((await call(stack.url, 'DELETE', '/sessions/share-1')).status, 200)
    assert.equal((await call(stack.url, 'DELETE', '/sessions/share-2')).status, 200)
    assert.equal((await call(stack.url, 'DELETE', '/sessions/beta')).status, 200)
    await waitUntil(() => !existsSync(betaDir), "beta's directory removed")
    // A session whose CLI runs: its files are gone by the time the delete answers (in a
    // cluster its lease goes right after, and the id may be made again on another node).
    const [alphaDir, alphaState] = [stack.workspaceOf('alpha'), stack.server.sessions.stateDir('alpha')]
    assert.ok(stack.server.sessions.get('alpha').activeRun?.pid, "alpha's CLI is running")
    assert.equal((await call(stack.url, 'DELETE', '/sessions/alpha')).status, 200)
    assert.ok(!existsSync(alphaDir) && !existsSync(alphaState), "alpha's directories removed when the delete answers")
    assert.ok(existsSync(join(stack.sharedWorkspace('team'), 'kept.txt')))
  })

  it('refuses a shared workspace name that is not a safe name', async () => {
    for (const shared of ['..', '../x', 'a/b', '.hidden', '', 'a\u0000b', 'x'.repeat(65)]) {
      const res = await call(stack.url, 'POST', '/sessions', JSON.stringify({ config: { workspace: { shared } } }))
      assert.deepEqual([res.status, res.body['code']], [400, 'INVALID_REQUEST'], JSON.stringify(shared))
    }
  })
})

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// The tests above keep every directory under /tmp, which every sandbox hides anyway; here the
// default session's workspace is where an operator would put it, outside /tmp and the data
// directory, and a named session's agent must still not see it.
describe('a WORKSPACE_DIR outside the data directory, in the sandbox', () => {
  const outside = mkdtempSync(join('/var/lib', 'cas-test-ws-'))
  let stack: Stack

  before(async () => {
    writeFileSync(join(outside, 'd.txt'), DEFAULT_TEXT)
    stack = await startStack({
      scenario: { scripts: [runBash('peek', `cat ${join(outside, 'd.txt')} 2>&1; ls -a ${outside} 2>&1; echo rc=$?`)] },
      settings: { prewarm: false, workspaceDir: outside },
    })
    await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'alpha', config: { permissionMode: 'bypassPermissions' } }))
  })
  after(async () => {
    await stack.close()
    rmSync(outside, { recursive: true, force: true })
  })

  it("hides the default session's workspace from another session's agent", async () => {
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/alpha/ws`)
    probe.prompt('peek')
    const result = sdkData(await probe.result())
    probe.close()
    const output = result['result'] as string
    assert.ok(!output.includes(DEFAULT_TEXT), output)
    assert.match(output, /No such file or directory/)
    assert.ok(!output.split('\n').includes('d.txt'), `the listing shows the file: ${output}`)
  })
})
