// The agent can swap a directory for a symlink out at any moment, also between the server's
// check of a path and its use. Here a process keeps flipping `d` between a directory inside
// and one outside while every operation runs through `d` again and again: none may ever
// read, list, stat, write, create or delete anything outside.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { WatchProbe, call } from './helpers.js'

/** Each operation's tries: before the fix, about one in twenty went outside. */
const TRIES = 200
const SECRET = 'outside-secret-bytes'

describe('a directory swapped for a symlink between the check and the use', () => {
  let stack: Stack
  let outside: string
  let swapper: ChildProcess | undefined

  before(async () => {
    stack = await startStack()
    outside = join(stack.dir, 'outside')
    mkdirSync(outside)
    const inside = join(stack.workspace, 'real')
    mkdirSync(inside)
    writeFileSync(join(outside, 'f'), SECRET)
    writeFileSync(join(inside, 'f'), 'inside')
    writeFileSync(join(outside, 'only-outside'), '')
    for (let i = 0; i < TRIES; i++) {
      for (const dir of [inside, outside]) {
        writeFileSync(join(dir, `v${i}`), 'victim')
        mkdirSync(join(dir, `t${i}`))
        writeFileSync(join(dir, `t${i}`, 'x'), 'victim')
      }
    }
    symlinkSync('real', join(stack.workspace, 'd'))
  })
  after(() => stack.close())
  beforeEach(() => {
    // `ln -sfn` replaces the link atomically (a new link renamed over it).
    const flip = `cd '${stack.workspace}' && while :; do ln -sfn real d; ln -sfn '${outside}' d; done`
    // Its own process group: killing bash alone left an `ln` it had started to finish, which
    // could point `d` out again after a test had pointed it in.
    swapper = spawn('bash', ['-c', flip], { stdio: 'ignore', detached: true })
  })
  const stopSwapper = async () => {
    if (!swapper || swapper.exitCode !== null || swapper.signalCode !== null) return
    const exited = new Promise((resolve) => swapper?.once('exit', resolve))
    process.kill(-swapper.pid!, 'SIGKILL')
    await exited
  }
  afterEach(stopSwapper)

  const outsideNames = () => readdirSync(outside).sort()

  it('never reads a file outside', async () => {
    let inside = 0
    for (let i = 0; i < TRIES; i++) {
      const res = await fetch(`${stack.url}/files/content?path=d/f`)
      const text = await res.text()
      assert.ok(!text.includes(SECRET), `try ${i}: read the outside file`)
      if (text === 'inside') inside++
      else assert.equal((JSON.parse(text) as { code: string }).code, 'PATH_OUTSIDE_WORKSPACE', text)
    }
    assert.ok(inside > 0, 'the file inside was read while the link pointed in')
  })

  it('never lists or stats outside', async () => {
    for (let i = 0; i < TRIES; i++) {
      const list = await call(stack.url, 'GET', '/files?path=d')
      assert.ok(!JSON.stringify(list.body).includes('only-outside'), `try ${i}: listed the outside directory`)
      const stat = await call(stack.url, 'GET', '/files/stat?path=d/f')
      assert.notEqual(stat.body['entry']?.size, SECRET.length, `try ${i}: stat the outside file`)
    }
  })

  it('never writes or makes a directory outside', async () => {
    const before = outsideNames()
    for (let i = 0; i < TRIES; i++) {
      await call(stack.url, 'PUT', `/files/content?path=d/w${i}`, 'pwned')
      await call(stack.url, 'POST', `/files/mkdir?path=d/m${i}`)
      await call(stack.url, 'POST', `/files/mkdir?path=d/p${i}/q&parents=1`)
    }
    assert.deepEqual(outsideNames(), before)
  })

  it('never watches outside', async () => {
    const probes: WatchProbe[] = []
    for (let i = 0; i < TRIES / 2; i++) {
      try {
        probes.push(await WatchProbe.open(`${stack.url.replace(/^http/, 'ws')}/files/watch?path=d`))
      } catch {
        // refused while the link pointed out
      }
    }
    await stopSwapper()
    symlinkSync('real', join(stack.workspace, 'd-in'))
    renameSync(join(stack.workspace, 'd-in'), join(stack.workspace, 'd')) // pointing in again
    // One opened now, pointing in: it must see what is made inside. (Whether any of the ones
    // opened during the swaps outlives them depends on the rounds each caught: on a loaded
    // machine every one may have found the link pointing out and closed.)
    const fresh = await WatchProbe.open(`${stack.url.replace(/^http/, 'ws')}/files/watch?path=d`)
    writeFileSync(join(outside, 'new-outside'), '')
    writeFileSync(join(stack.workspace, 'real', 'new-inside'), '')
    // Asked for now, before any await: event() waits for frames after those already seen.
    const freshSaw = fresh.event('create', 'd/new-inside')
    freshSaw.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
    assert.ok(probes.length > 0, 'some watches started while the link pointed in')
    // A watch whose directory was found pointing out on one of its rounds closed (4404), as
    // documented: it can report nothing more. Every other one sees the file made inside.
    await Promise.all(
      probes.map((probe) =>
        probe.event('create', 'd/new-inside').then(
          () => true,
          (error: unknown) => {
            if (probe.closeCode !== 4404) throw error
            return false
          },
        ),
      ),
    )
    await freshSaw
    for (const probe of [...probes, fresh]) assert.ok(!probe.summary().includes('new-outside'), probe.summary())
    await Promise.all([...probes, fresh].map((probe) => probe.close()))
  })

  it('never deletes outside, recursively or not', async () => {
    const before = outsideNames()
    for (let i = 0; i < TRIES; i++) {
      await call(stack.url, 'DELETE', `/files?path=d/v${i}`)
      await call(stack.url, 'DELETE', `/files?path=d/t${i}&recursive=1`)
    }
    assert.deepEqual(outsideNames(), before)
    for (let i = 0; i < TRIES; i++) assert.deepEqual(readdirSync(join(outside, `t${i}`)), ['x'])
  })
})
