// The bwrap command line as data: namespaces and dropped capabilities, hidden paths first,
// then what the run needs exposed again, its writable directories, masks and sockets.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NAMESPACE_ARGS, bwrapArgs, isInside, type BwrapLayout } from '../../src/sandbox/bwrap-args.js'

/** The args as `--op a b` groups after the fixed prefix, for readable assertions. */
function mounts(args: string[]): string[] {
  const rest = args.slice(NAMESPACE_ARGS.length)
  const out: string[] = []
  for (let i = 0; i < rest.length;) {
    const op = rest[i]!
    const arity = op === '--tmpfs' || op === '--chdir' || op === '--proc' || op === '--dev' ? 1 : 2
    out.push([op, ...rest.slice(i + 1, i + 1 + arity)].join(' '))
    i += 1 + arity
  }
  return out
}

const base: BwrapLayout = {
  hidden: [
    { path: '/tmp', kind: 'dir' },
    { path: '/root', kind: 'dir' },
    { path: '/srv/data', kind: 'dir' },
    { path: '/srv/data/sessions', kind: 'dir' },
    { path: '/srv/app/.env', kind: 'file' },
    { path: '/root/.env', kind: 'file' },
  ],
  readOnly: ['/usr/bin/node', '/root/app/launcher.cjs', '/opt/cli'],
  writable: ['/srv/data/sessions/s1', '/srv/data/workspace'],
  mounts: [{ source: '/tmp/cas-sandbox-1-x/r1', target: '/run/claude-agent-server' }],
  cwd: '/srv/data/workspace',
}

describe('bwrapArgs', () => {
  it('starts with new user, pid, net, ipc, uts namespaces and no capabilities', () => {
    const args = bwrapArgs(base)
    assert.deepEqual(args.slice(0, NAMESPACE_ARGS.length), [...NAMESPACE_ARGS])
    for (const flag of ['--unshare-user', '--unshare-pid', '--unshare-net', '--die-with-parent', '--new-session']) {
      assert.ok(args.includes(flag), flag)
    }
    assert.equal(args[args.indexOf('--cap-drop') + 1], 'ALL')
  })

  it('mounts the host read-only, hides, re-exposes, binds, masks, in that order', () => {
    assert.deepEqual(mounts(bwrapArgs(base)), [
      '--ro-bind / /',
      '--proc /proc',
      '--dev /dev',
      '--tmpfs /tmp',
      '--tmpfs /root',
      '--tmpfs /srv/data', // /srv/data/sessions lies inside: no mount of its own
      '--ro-bind /root/app/launcher.cjs /root/app/launcher.cjs', // hidden by /root, needed
      '--bind /srv/data/workspace /srv/data/workspace', // outermost first
      '--bind /srv/data/sessions/s1 /srv/data/sessions/s1',
      '--ro-bind /dev/null /srv/app/.env', // /root/.env is hidden already
      '--ro-bind /tmp/cas-sandbox-1-x/r1 /run/claude-agent-server',
      '--chdir /srv/data/workspace',
    ])
  })

  it('hides a directory inside a writable one after binding it', () => {
    const args = mounts(
      bwrapArgs({
        ...base,
        hidden: [
          { path: '/ws/secrets', kind: 'dir' },
          { path: '/ws/.env', kind: 'file' },
        ],
        writable: ['/ws'],
        cwd: '/ws',
      }),
    )
    assert.ok(args.indexOf('--tmpfs /ws/secrets') > args.indexOf('--bind /ws /ws'))
    assert.ok(args.indexOf('--ro-bind /dev/null /ws/.env') > args.indexOf('--bind /ws /ws'))
  })

  it('binds a writable path from its descriptor when it has one, the others by path', () => {
    const args = mounts(bwrapArgs({ ...base, writable: ['/srv/ws', '/data/s1'], boundFds: new Map([['/srv/ws', 4]]) }))
    assert.ok(args.includes('--bind-fd 4 /srv/ws'), args.join('\n'))
    assert.ok(args.includes('--bind /data/s1 /data/s1'), args.join('\n'))
    assert.ok(!args.includes('--bind /srv/ws /srv/ws'))
  })

  it('isInside compares whole path segments', () => {
    assert.equal(isInside('/srv/data/x', '/srv/data'), true)
    assert.equal(isInside('/srv/data', '/srv/data'), true)
    assert.equal(isInside('/srv/database', '/srv/data'), false)
    assert.equal(isInside('/srv', '/srv/data'), false)
  })
})

describe('bwrapArgs: a read-only tree under a hidden directory', () => {
  it('exposes it again, and hides again what is hidden inside it, before the writable binds', () => {
    const args = bwrapArgs({
      hidden: [
        { path: '/tmp', kind: 'dir' },
        { path: '/tmp/repo/.data', kind: 'dir' },
        { path: '/tmp/repo/.env', kind: 'file' },
      ],
      readOnly: ['/tmp/repo'],
      writable: ['/tmp/repo/.data/sessions/s1', '/tmp/ws'],
      mounts: [],
      cwd: '/tmp/ws',
    })
    const at = (...pair: string[]) => {
      for (let i = 0; i < args.length; i++) if (pair.every((p, j) => args[i + j] === p)) return i
      return -1
    }
    const tmp = at('--tmpfs', '/tmp')
    const repo = at('--ro-bind', '/tmp/repo', '/tmp/repo')
    const data = at('--tmpfs', '/tmp/repo/.data')
    const state = at('--bind', '/tmp/repo/.data/sessions/s1', '/tmp/repo/.data/sessions/s1')
    const env = at('--ro-bind', '/dev/null', '/tmp/repo/.env')
    assert.ok(tmp >= 0 && tmp < repo, '/tmp hidden, then the repo exposed read-only')
    assert.ok(repo < data && data < state, 'the data dir hidden again, the session state bound after it')
    assert.ok(env > repo, 'the .env masked after the repo is exposed')
  })
})
