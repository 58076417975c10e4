// The watch socket: create / modify / remove for changes made through the API and directly on
// disk, recursive and not, upload temp files never seen, and the watcher gone with its socket.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { refusedUpgrade } from '../helpers/http.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { WatchProbe, call, eventually, q } from './helpers.js'

/** inotify watches this process holds (the server runs in process), from /proc. */
function inotifyWatches(): number | undefined {
  try {
    let count = 0
    for (const fd of readdirSync('/proc/self/fd')) {
      let target: string
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`)
      } catch {
        continue
      }
      if (target !== 'anon_inode:inotify') continue
      count += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length
    }
    return count
  } catch {
    return undefined // not Linux
  }
}

describe('file watch', () => {
  let stack: Stack
  let wsBase: string

  before(async () => {
    stack = await startStack()
    wsBase = `${stack.url.replace(/^http/, 'ws')}/files/watch`
    mkdirSync(join(stack.workspace, 'w', 'existing'), { recursive: true })
  })
  after(() => stack.close())

  it('reports create, modify and remove for writes through the API', async () => {
    const probe = await WatchProbe.open(`${wsBase}${q('w', '&recursive=1')}`)
    assert.deepEqual(probe.frames[0], { type: 'watching', path: 'w', recursive: true })

    let seen = probe.event('create', 'w/api.txt')
    await call(stack.url, 'PUT', `/files/content${q('w/api.txt')}`, 'one')
    assert.equal((await seen)['fileType'], 'file')

    seen = probe.event('modify', 'w/api.txt')
    await call(stack.url, 'PUT', `/files/content${q('w/api.txt')}`, 'two')
    await seen

    seen = probe.event('create', 'w/existing/nested/deep.bin')
    await call(stack.url, 'PUT', `/files/content${q('w/existing/nested/deep.bin')}`, new Uint8Array(10))
    await seen

    seen = probe.event('remove', 'w/api.txt')
    await call(stack.url, 'DELETE', `/files${q('w/api.txt')}`)
    await seen

    seen = probe.event('create', 'w/made')
    await call(stack.url, 'POST', `/files/mkdir${q('w/made')}`)
    assert.equal((await seen)['fileType'], 'directory')

    assert.ok(!probe.summary().includes('.cas-upload-'), `temp files are not reported: ${probe.summary()}`)
    assert.ok(probe.events().indexOf('create w/existing/nested') < probe.events().indexOf('create w/existing/nested/deep.bin'))
    await probe.close()
  })

  it('reports changes made directly on disk, in new directories too', async () => {
    const probe = await WatchProbe.open(`${wsBase}${q('w', '&recursive=1')}`)
    const disk = (p: string) => join(stack.workspace, p)

    let seen = probe.event('create', 'w/disk.txt')
    writeFileSync(disk('w/disk.txt'), 'a')
    await seen

    seen = probe.event('modify', 'w/disk.txt')
    appendFileSync(disk('w/disk.txt'), 'b')
    await seen

    const dir = probe.event('create', 'w/fresh')
    const file = probe.event('create', 'w/fresh/sub/inside.txt')
    mkdirSync(disk('w/fresh/sub'), { recursive: true })
    writeFileSync(disk('w/fresh/sub/inside.txt'), 'x')
    await Promise.all([dir, file])

    // A file in a directory created after the watch started is watched too.
    seen = probe.event('modify', 'w/fresh/sub/inside.txt')
    appendFileSync(disk('w/fresh/sub/inside.txt'), 'y')
    await seen

    seen = probe.event('remove', 'w/fresh')
    rmSync(disk('w/fresh'), { recursive: true })
    await seen

    seen = probe.event('remove', 'w/disk.txt')
    rmSync(disk('w/disk.txt'))
    await seen
    await probe.close()
  })

  it('reports names that are not UTF-8 (with U+FFFD), their changes and their removal', async () => {
    const probe = await WatchProbe.open(`${wsBase}${q('w', '&recursive=1')}`)
    const sh = (script: string) => execFileSync('bash', ['-c', script], { cwd: join(stack.workspace, 'w') })
    // What `printf` in the agent's shell makes: 0xff and 0xfe are never UTF-8.
    const created = Promise.all([probe.event('create', 'w/odd\ufffd'), probe.event('create', 'w/odd\ufffd/in\ufffd')])
    sh(`mkdir $'odd\\xfe' && echo x > $'odd\\xfe/in\\xff'`)
    await created
    const modified = probe.event('modify', 'w/odd\ufffd/in\ufffd')
    sh(`echo y >> $'odd\\xfe/in\\xff'`)
    await modified
    const removed = probe.event('remove', 'w/odd\ufffd')
    sh(`rm -r $'odd\\xfe'`)
    await removed
    await probe.close()
  })

  it('without recursive, reports only the direct entries', async () => {
    const probe = await WatchProbe.open(`${wsBase}${q('w')}`)
    writeFileSync(join(stack.workspace, 'w/existing/below.txt'), 'not reported')
    const marker = probe.event('create', 'w/marker.txt')
    writeFileSync(join(stack.workspace, 'w/marker.txt'), 'reported')
    await marker
    assert.ok(!probe.summary().includes('below.txt'), probe.summary())
    await probe.close()
  })

  it('watches the workspace root by default, with paths relative to it', async () => {
    const probe = await WatchProbe.open(wsBase)
    assert.deepEqual(probe.frames[0], { type: 'watching', path: '.', recursive: false })
    const seen = probe.event('create', 'top.txt')
    await call(stack.url, 'PUT', `/files/content${q('top.txt')}`, 'x')
    await seen
    await probe.close()
  })

  it('closes with 4404 when the watched directory is removed', async () => {
    mkdirSync(join(stack.workspace, 'doomed'))
    const probe = await WatchProbe.open(`${wsBase}${q('doomed', '&recursive=1')}`)
    const closed = new Promise<number>((resolve) => probe.socket.once('close', (code) => resolve(code)))
    await call(stack.url, 'DELETE', `/files${q('doomed', '&recursive=1')}`)
    assert.equal(await closed, 4404)
    assert.ok(probe.events().includes('remove doomed'), probe.summary())
  })

  it('closes the watcher when the socket closes', async () => {
    const before = inotifyWatches()
    if (before === undefined) return
    const probe = await WatchProbe.open(`${wsBase}${q('w', '&recursive=1')}`)
    assert.ok(inotifyWatches()! > before, 'watching holds inotify watches')
    await probe.close()
    await eventually(() => inotifyWatches() === before, 'inotify watches released')
  })

  it('refuses a missing path or a file before the upgrade', async () => {
    writeFileSync(join(stack.workspace, 'plain.txt'), 'x')
    const missing = await refusedUpgrade(`${wsBase}${q('nope')}`)
    assert.equal(missing.status, 404)
    assert.equal(missing.body['code'], 'FILE_NOT_FOUND')
    const file = await refusedUpgrade(`${wsBase}${q('plain.txt')}`)
    assert.equal(file.body['code'], 'NOT_A_DIRECTORY')
    const flag = await refusedUpgrade(`${wsBase}${q('w', '&recursive=yes')}`)
    assert.equal(flag.body['code'], 'INVALID_REQUEST')
  })
})
