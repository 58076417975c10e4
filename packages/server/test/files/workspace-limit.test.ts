// The workspace size limit: the files API refuses a write that would take the session's
// directory over it (413 WORKSPACE_FULL, with usage and limit), declared or streamed, counts
// what a write replaces, loses nothing already there, and the session's info reports usage.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { directoryUsageSync } from '../../src/files/usage.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, q } from './helpers.js'

const LIMIT = 1000

describe('workspace size limit', () => {
  let stack: Stack

  before(async () => {
    stack = await startStack({ settings: { sessionLimits: { memoryBytes: 2 ** 31, pids: 512, cpuWeight: 100, workspaceBytes: LIMIT } } })
  })
  after(() => stack?.close())

  it('accepts writes up to the limit, and refuses the one beyond it with usage and limit', async () => {
    assert.equal((await call(stack.url, 'PUT', `/files/content${q('a.bin')}`, 'a'.repeat(600))).status, 201)
    const refused = await call(stack.url, 'PUT', `/files/content${q('b.bin')}`, 'b'.repeat(600))
    assert.equal(refused.status, 413)
    assert.equal(refused.body['code'], 'WORKSPACE_FULL')
    assert.deepEqual(refused.body['data'], { usedBytes: 600, limitBytes: LIMIT })
    assert.match(String(refused.body['error']), /600 of 1000 bytes/)
    // Nothing half-written is left, and what was there stays.
    const listing = await call(stack.url, 'GET', '/files')
    assert.deepEqual(
      (listing.body['entries'] as Array<{ name: string }>).map((e) => e.name),
      ['a.bin'],
    )
  })

  it('counts the file a write replaces', async () => {
    assert.equal((await call(stack.url, 'PUT', `/files/content${q('a.bin')}`, 'c'.repeat(950))).status, 200)
  })

  it('stops a streamed upload without a declared length once it would not fit', async () => {
    const body = Readable.toWeb(Readable.from([Buffer.alloc(40, 1), Buffer.alloc(40, 2)])) as ReadableStream
    const res = await fetch(`${stack.url}/files/content${q('streamed.bin')}`, { method: 'PUT', body, duplex: 'half' } as RequestInit)
    assert.equal(res.status, 413)
    assert.equal(((await res.json()) as { code: string }).code, 'WORKSPACE_FULL')
    assert.equal((await call(stack.url, 'GET', `/files/stat${q('streamed.bin')}`)).body['code'], 'FILE_NOT_FOUND')
  })

  it('reports the usage and the limit in the session info', async () => {
    const info = await call(stack.url, 'GET', '/sessions/default')
    const usage = (info.body['session'] as { usage: Record<string, unknown> }).usage
    assert.equal(usage['workspaceBytes'], LIMIT)
    assert.equal(usage['workspaceUsedBytes'], 950)
  })
})

describe('workspace size limit, a tree nested past PATH_MAX', () => {
  let stack: Stack

  before(async () => {
    stack = await startStack({ settings: { sessionLimits: { memoryBytes: 2 ** 31, pids: 512, cpuWeight: 100, workspaceBytes: LIMIT } } })
  })
  after(() => stack?.close())

  it('counts the files of a tree nested past PATH_MAX (an agent hid 900 bytes there)', async () => {
    // What an agent does in a few commands: 25 levels of 200 bytes, past Node's reach by path.
    const root = stack.workspaceOf('default')
    const name = 'd'.repeat(200)
    const nest = `for i in $(seq 25); do mkdir ${name} && cd ${name}; done`
    execFileSync('bash', ['-c', `${nest} && head -c 900 /dev/zero > hidden && ln hidden twin && ln -s hidden link`], { cwd: root })
    const refused = await call(stack.url, 'PUT', `/files/content${q('b.bin')}`, 'b'.repeat(200))
    assert.equal(refused.status, 413, JSON.stringify(refused.body))
    assert.deepEqual(refused.body['data'], { usedBytes: 900, limitBytes: LIMIT })
    const info = await call(stack.url, 'GET', '/sessions/default')
    assert.equal((info.body['session'] as { usage: Record<string, unknown> }).usage['workspaceUsedBytes'], 900)
  })

  it('measures it the same without waiting (the first answer of a session list)', () => {
    const root = stack.workspaceOf('default')
    assert.equal(directoryUsageSync(root), 900)
  })
})
