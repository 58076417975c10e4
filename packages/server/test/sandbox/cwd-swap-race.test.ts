// The directory a run binds is checked on the host (a real path, inside the workspace), then
// bwrap mounts it a moment later, following links as it goes. An agent or a command of the
// same session that swaps the directory for a link in between (a loop of mv and ln -s is
// enough, given tries) would have bwrap mount the link's target, any host directory, read-
// write. The sandbox binds what it checked instead: the directory opened and verified once,
// as the real path the caller checked, handed to bwrap as a descriptor. A swap before that is
// refused; one after it changes nothing.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../../src/logger.js'
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrap.js'
import type { SandboxRun, WrappedCommandLine } from '../../src/sandbox/sandbox.js'

/** Runs a wrapped line as the server's spawn sites do, descriptors included; its output. */
function run(line: WrappedCommandLine, cwd: string, env: Record<string, string>): Promise<string> {
  const child = spawn(line.command, line.args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', ...(line.fds ?? [])] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return new Promise((resolve) => child.on('close', () => resolve(out)))
}

describe('a working directory swapped for a link while the sandbox starts', () => {
  let dir: string
  let sandbox: BubblewrapSandbox
  let workspace: string
  let hostSecrets: string
  let stateDir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-swap-'))
    const dataDir = join(dir, 'data')
    // A host directory the sandbox hides (inside the data dir): what an escape would reach.
    hostSecrets = join(dataDir, 'host-secrets')
    mkdirSync(hostSecrets, { recursive: true })
    writeFileSync(join(hostSecrets, 'secret.txt'), 'host secret')
    workspace = join(dir, 'ws')
    stateDir = join(dataDir, 'sessions', 's1')
    for (const d of [join(workspace, 'sub'), stateDir]) mkdirSync(d, { recursive: true })
    writeFileSync(join(workspace, 'sub', 'own.txt'), 'own file')
    sandbox = BubblewrapSandbox.create({ dataDir, logger: createLogger({ level: 'silent' }), hide: [workspace] })
  })
  after(async () => {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const prepare = (): SandboxRun =>
    sandbox.prepare({
      sessionId: 's1',
      cwd: join(workspace, 'sub'),
      stateDir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: stateDir },
    })
  /** The agent's move: its directory aside, a link to the host directory in its place. */
  const swap = () => {
    renameSync(join(workspace, 'sub'), join(workspace, 'aside'))
    symlinkSync(hostSecrets, join(workspace, 'sub'))
  }
  const unswap = () => {
    rmSync(join(workspace, 'sub'))
    renameSync(join(workspace, 'aside'), join(workspace, 'sub'))
  }

  it('binds the directory it checked when the swap comes after the check', async () => {
    const sandboxRun = prepare()
    try {
      // Also: no descriptor of a host directory is left inside (`..` from one would walk the host).
      const script =
        'cat secret.txt own.txt 2>&1; echo pwned > pwned.txt; for f in /proc/self/fd/*; do [ -d "$f" ] && echo "dir fd $f"; done; pwd'
      const line = sandboxRun.wrap('/bin/sh', ['-c', script])
      swap()
      try {
        const out = await run(line, workspace, sandboxRun.env)
        assert.ok(!out.includes('host secret'), out)
        assert.match(out, /own file/)
        assert.doesNotMatch(out, /dir fd/)
      } finally {
        unswap()
      }
      assert.deepEqual(readdirSync(hostSecrets), ['secret.txt'], 'nothing written into the host directory')
      assert.ok(existsSync(join(workspace, 'sub', 'pwned.txt')), 'the write went to its own directory')
    } finally {
      await sandboxRun.close()
    }
  })

  it('refuses to start when the directory was swapped after the check, before it was opened', () => {
    // The caller checked <ws>/sub as a real path; by the time the run is prepared it is a link.
    swap()
    try {
      assert.throws(() => prepare(), /changed while the sandbox was set up/)
    } finally {
      unswap()
    }
  })

  it('falls back to binding by path with a bwrap older than --bind-fd, and says so', async () => {
    // A bwrap that does not list --bind-fd in its help, as before 0.8.
    const old = join(dir, 'old-bwrap')
    writeFileSync(old, `#!/bin/sh\nif [ "$1" = --help ]; then bwrap --help 2>&1 | grep -v -- -fd; exit 0; fi\nexec bwrap "$@"\n`, {
      mode: 0o755,
    })
    const logged: string[] = []
    const logger = createLogger({ level: 'warn', format: 'json', write: (line) => logged.push(line) })
    const oldSandbox = BubblewrapSandbox.create({ dataDir: join(dir, 'data'), logger, hide: [workspace], bwrapPath: old })
    try {
      assert.ok(
        logged.some((l) => l.includes('no --bind-fd')),
        logged.join('\n'),
      )
      const sandboxRun = oldSandbox.prepare({
        sessionId: 's2',
        cwd: join(workspace, 'sub'),
        stateDir,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: stateDir },
      })
      const line = sandboxRun.wrap('/bin/sh', ['-c', 'cat own.txt'])
      // Bound by path: the one descriptor handed over is the seccomp filter's (seccomp-filter.ts).
      assert.equal(line.args.includes('--bind-fd'), false)
      assert.equal(line.fds?.length, 1)
      assert.match(await run(line, workspace, sandboxRun.env), /own file/)
      await sandboxRun.close()
    } finally {
      await oldSandbox.close()
    }
  })
})
