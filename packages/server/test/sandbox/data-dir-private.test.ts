// DATA_DIR holds the database (every conversation, posted API keys in session configs) and the
// named sessions' workspaces. Made with the default umask it was 0755, its database 0644: any
// local user read them. And a server running as root runs its sandboxes as root mapped to the
// host's root, so a command can leave a setuid-root program in its workspace: any local user who
// could reach it ran it as root. DATA_DIR is kept 0700: nothing below it is reachable but by
// the server's own user.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { exec } from '../files/helpers.js'

/** Runs `argv` as the unprivileged user nobody (through sh: setpriv looks the program up
 * before it changes user, so exec'ing it directly would not be nobody's lookup). */
const asNobody = (argv: string[]) =>
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'sh', '-c', '"$@"', 'sh', ...argv], { encoding: 'utf8' })

describe('DATA_DIR is private to the server', { skip: process.getuid?.() !== 0 && 'needs root (setpriv to another user)' }, () => {
  let base: string
  let stack: Stack
  let sessionId: string

  before(async () => {
    // Reachable by every user, as /srv or /var/lib are: what is below decides.
    base = mkdtempSync(join(tmpdir(), 'cas-private-'))
    chmodSync(base, 0o755)
    // An existing DATA_DIR made with the usual umask is tightened too.
    mkdirSync(join(base, 'data'), { mode: 0o755 })
    chmodSync(join(base, 'data'), 0o755)
    stack = await startStack({ settings: { dataDir: join(base, 'data'), workspaceDir: join(base, 'workspace') } })
    const res = await fetch(`${stack.url}/sessions`, { method: 'POST', body: JSON.stringify({}) })
    sessionId = ((await res.json()) as { session: { id: string } }).session.id
  })
  after(async () => {
    await stack.close()
    rmSync(base, { recursive: true, force: true })
  })

  it('is mode 0700, so another user cannot read the database', () => {
    assert.equal(statSync(stack.settings.dataDir).mode & 0o777, 0o700)
    const read = asNobody(['cat', join(stack.settings.dataDir, 'sessions.db')])
    assert.notEqual(read.status, 0, 'nobody read sessions.db')
    assert.match(read.stderr, /Permission denied/)
  })

  it("keeps a setuid program a command left in a session's workspace out of another user's reach", async () => {
    const planted = await exec(stack.url, sessionId, { command: 'cp /usr/bin/id ./suid-id', shell: true })
    assert.equal(planted.exit?.['code'], 0, planted.stderr)
    const program = join(stack.workspaceOf(sessionId), 'suid-id')
    // The seccomp filter refuses this chmod inside (set-id-files.test.ts); on an architecture
    // without one it is not refused, so the directories above must keep the file out of reach.
    chmodSync(program, 0o4755)
    const run = asNobody([program, '-u'])
    assert.notEqual(run.stdout.trim(), '0', 'nobody ran a program as root')
    assert.match(run.stderr, /Permission denied/)
  })
})
