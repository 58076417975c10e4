// The real main.js with bad settings: each stops the start with one line naming the setting,
// a non-zero exit, and nothing created. `--help` prints usage; the flags are honoured.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MAIN, spawnServer } from './helpers/server-process.js'
import { freePort } from './helpers/ports.js'

const SOURCE_ROOT = resolve(import.meta.dirname, '..', '..', '..')

/** Runs main.js to its end (killed after 20 s: a start that hangs is a failure too). */
function runMain(
  dir: string,
  env: Record<string, string>,
  args: string[] = [],
  /** A command line the server runs under (e.g. setpriv dropping a capability). */
  prefix: string[] = [],
): Promise<{ code: number | string; output: string }> {
  const [command = process.execPath, ...rest] = [...prefix, process.execPath, MAIN, ...args]
  const child = spawn(command, rest, {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? signal ?? -1, output })
    }),
  )
}

describe('bad settings at start-up (the real main.js)', () => {
  let base: string
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'cas-settings-'))
  })
  after(() => rmSync(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }))

  let n = 0
  /** A fresh directory per case (also its HOME), with `setup` made in it, and what it held then. */
  const fresh = (setup: (dir: string) => void = () => undefined) => {
    const dir = join(base, `case-${++n}`)
    mkdirSync(dir)
    setup(dir)
    return { dir, before: readdirSync(dir, { recursive: true }).sort() }
  }

  const cases: Array<[string, (dir: string) => Record<string, string>, string[], RegExp]> = [
    ['an unknown flag', () => ({}), ['--bogus'], /unknown option --bogus/],
    ['a stray argument', () => ({}), ['start'], /unexpected argument start/],
    ['--port without a value', () => ({}), ['--port'], /--port needs a value/],
    ['--port out of range', () => ({}), ['--port', '70000'], /--port \/ PORT must be an integer from 0 to 65535, got "70000"/],
    ['PORT not a number', () => ({ PORT: 'http' }), [], /PORT must be an integer from 0 to 65535, got "http"/],
    ['MAX_RUNNING_AGENTS negative', () => ({ MAX_RUNNING_AGENTS: '-1' }), [], /MAX_RUNNING_AGENTS must be an integer >= 0, got "-1"/],
    [
      'MAX_RUNNING_AGENTS not a number',
      () => ({ MAX_RUNNING_AGENTS: 'lots' }),
      [],
      /MAX_RUNNING_AGENTS must be an integer >= 0, got "lots"/,
    ],
    ['MAX_RUNNING_AGENTS a fraction', () => ({ MAX_RUNNING_AGENTS: '2.5' }), [], /MAX_RUNNING_AGENTS must be an integer >= 0, got "2.5"/],
    ['a bad --sandbox', () => ({}), ['--sandbox', 'docker'], /--sandbox \/ SANDBOX must be one of/],
    ['DATA_DIR in /proc', () => ({ DATA_DIR: '/proc/cas-x' }), [], /DATA_DIR \/proc\/cas-x is on the kernel's proc file system/],
    [
      'DATA_DIR in /sys',
      (d) => ({ DATA_DIR: '/sys/cas-x', WORKSPACE_DIR: join(d, 'ws') }),
      [],
      /DATA_DIR \/sys\/cas-x is on the kernel's sysfs/,
    ],
    ['DATA_DIR under a file', (d) => ({ DATA_DIR: join(d, 'file', 'data') }), [], /DATA_DIR .*file\/data: .*file is not a directory/],
    [
      'DATA_DIR inside the source tree',
      () => ({ DATA_DIR: join(SOURCE_ROOT, `cas-data-${process.pid}`) }),
      [],
      /^claude-agent-server failed to start: DATA_DIR .* is inside the server's source tree/,
    ],
    ['WORKSPACE_DIR /', (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: '/' }), [], /WORKSPACE_DIR \/ is the whole file system/],
    [
      'WORKSPACE_DIR = DATA_DIR',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'data') }),
      [],
      /WORKSPACE_DIR .* contains DATA_DIR .*sessions\.db/,
    ],
    [
      'WORKSPACE_DIR a parent of DATA_DIR',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: d }),
      [],
      /WORKSPACE_DIR .* contains DATA_DIR/,
    ],
    [
      'WORKSPACE_DIR in the sessions state',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'data', 'sessions', 'x') }),
      [],
      /WORKSPACE_DIR .* is inside .*sessions, where sessions keep their state/,
    ],
    [
      "WORKSPACE_DIR in the named sessions' workspaces",
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'data', 'workspaces') }),
      [],
      /WORKSPACE_DIR .* is inside .*workspaces, where the other sessions' workspaces are/,
    ],
    [
      "WORKSPACE_DIR in one named session's workspace",
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'data', 'workspaces', 'sessions', 'victim') }),
      [],
      /WORKSPACE_DIR .* is inside .*workspaces, where the other sessions' workspaces are/,
    ],
    [
      'WORKSPACE_DIR a link into the source tree',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'src-link', 'ws') }),
      [],
      /WORKSPACE_DIR .*src-link\/ws \(really .*\) is inside the server's source tree/,
    ],
    [
      'WORKSPACE_DIR holding the source tree',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: resolve(SOURCE_ROOT, '..') }),
      [],
      /WORKSPACE_DIR .* contains the server's source tree/,
    ],
    [
      '--workspace-dir over WORKSPACE_DIR',
      (d) => ({ DATA_DIR: join(d, 'data'), WORKSPACE_DIR: join(d, 'ok') }),
      ['--workspace-dir', '/'],
      /WORKSPACE_DIR \/ is the whole file system/,
    ],
    [
      'a dangling DATA_DIR link',
      (d) => ({ DATA_DIR: join(d, 'dangling') }),
      [],
      /DATA_DIR .*dangling: .* is a symlink to a missing directory/,
    ],
    [
      'a database that is a directory',
      (d) => ({ DATA_DIR: join(d, 'db-dir'), WORKSPACE_DIR: join(d, 'ws') }),
      [],
      /DATA_DIR .*db-dir: the database .*sessions\.db is not a regular file/,
    ],
    [
      'a database file that is not a database',
      (d) => ({ DATA_DIR: join(d, 'db-junk'), WORKSPACE_DIR: join(d, 'ws') }),
      [],
      /DATA_DIR .*db-junk: the database .*sessions\.db is not a SQLite database/,
    ],
    [
      'a MODEL_PRICES_FILE that is not JSON',
      (d) => ({ DATA_DIR: join(d, 'data'), MODEL_PRICES_FILE: join(d, 'prices.json') }),
      [],
      /MODEL_PRICES_FILE .*prices\.json: .*JSON/,
    ],
    [
      'a missing MODEL_PRICES_FILE',
      (d) => ({ DATA_DIR: join(d, 'data'), MODEL_PRICES_FILE: join(d, 'no-such-prices.json') }),
      [],
      /MODEL_PRICES_FILE .*no-such-prices\.json: ENOENT/,
    ],
  ]
  const setups: Record<string, (dir: string) => void> = {
    'DATA_DIR under a file': (d) => writeFileSync(join(d, 'file'), 'a regular file'),
    'WORKSPACE_DIR a link into the source tree': (d) => symlinkSync(join(SOURCE_ROOT, 'packages'), join(d, 'src-link')),
    'a dangling DATA_DIR link': (d) => symlinkSync(join(d, 'nowhere'), join(d, 'dangling')),
    'a database that is a directory': (d) => mkdirSync(join(d, 'db-dir', 'sessions.db'), { recursive: true }),
    'a MODEL_PRICES_FILE that is not JSON': (d) => writeFileSync(join(d, 'prices.json'), '{ not json'),
    'a database file that is not a database': (d) => {
      mkdirSync(join(d, 'db-junk'))
      writeFileSync(join(d, 'db-junk', 'sessions.db'), 'x'.repeat(4096))
    },
  }

  for (const [what, env, args, message] of cases) {
    it(`refuses ${what}: one line, exit 1, nothing created`, async () => {
      const { dir, before } = fresh(setups[what])
      const sourceBefore = readdirSync(SOURCE_ROOT).sort()
      const settingsEnv = env(dir)
      const { code, output } = await runMain(dir, settingsEnv, args)
      assert.equal(code, 1, output)
      const lines = output.trim().split('\n')
      assert.equal(lines.length, 1, `one line: ${output}`)
      assert.match(lines[0]!, /^claude-agent-server failed to start: /)
      assert.match(lines[0]!, message)
      assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), before, 'nothing created in the case directory')
      assert.deepEqual(readdirSync(SOURCE_ROOT).sort(), sourceBefore, 'nothing created in the source tree')
      assert.equal(existsSync('/proc/cas-x') || existsSync('/sys/cas-x'), false)
    })
  }

  // --port 5 is a port like any other: taken when the process may listen there (root, or
  // CAP_NET_BIND_SERVICE), refused up front otherwise, never ignored.
  const unprivilegedFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'))
  it(
    'refuses a privileged --port to a process that cannot listen there, creating nothing',
    { skip: unprivilegedFrom <= 5 && 'port 5 is not privileged here' },
    async () => {
      const { dir, before } = fresh()
      // Root without CAP_NET_BIND_SERVICE (setpriv drops it from the bounding set): the same
      // files stay reachable, which another uid could not count on (a clone under a 0700 dir).
      const prefix = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-net_bind_service', '--'] : []
      const { code, output } = await runMain(dir, { DATA_DIR: join(dir, 'data') }, ['--port', '5'], prefix)
      assert.equal(code, 1, output)
      assert.match(
        output.trim(),
        /^claude-agent-server failed to start: --port \/ PORT 5 is privileged \(below \d+\): run as root, or choose a port from \d+ to 65535$/,
      )
      assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), before)
    },
  )

  it('listens on a privileged --port when it may', { skip: process.getuid?.() !== 0 && 'not root' }, async () => {
    const { dir } = fresh()
    const server = await spawnServer({ DATA_DIR: join(dir, 'data'), HOME: dir }, dir, ['--port', '5', '--sandbox', 'none'])
    try {
      assert.equal(server.url, 'http://127.0.0.1:5')
      assert.equal((await fetch(`${server.url}/health`)).status, 200)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('prints usage for --help, exits 0, and creates nothing', async () => {
    const { dir, before } = fresh()
    const { code, output } = await runMain(dir, { DATA_DIR: join(dir, 'data') }, ['--help'])
    assert.equal(code, 0)
    assert.match(output, /^Usage: claude-agent-server \[options\]/)
    for (const flag of ['--port', '--host', '--sandbox', '--data-dir', '--workspace-dir', '--help']) assert.match(output, new RegExp(flag))
    assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), before)
  })

  it('honours --port, --host, --data-dir and --workspace-dir over the environment', async () => {
    const { dir } = fresh()
    const port = await freePort()
    const server = await spawnServer({ DATA_DIR: join(dir, 'env-data'), HOME: dir }, dir, [
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      join(dir, 'data'),
      '--workspace-dir',
      join(dir, 'ws'),
    ])
    try {
      assert.equal(server.url, `http://127.0.0.1:${port}`)
      assert.equal(existsSync(join(dir, 'ws')), true, 'the workspace is where --workspace-dir says')
      assert.equal(existsSync(join(dir, 'data', 'sessions.db')), true)
      assert.equal(existsSync(join(dir, 'env-data')), false)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
