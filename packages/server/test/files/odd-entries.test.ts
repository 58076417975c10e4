// Entries an agent can make that a plain path does not reach: names whose bytes are not UTF-8,
// trees nested past PATH_MAX, unix sockets. Listings show them, the workspace usage counts
// them, and a read refuses a socket as bad input, not as an internal error.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MAX_LIST_DEPTH } from '../../src/files/entries.js'
import { directoryUsage } from '../../src/files/usage.js'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, q } from './helpers.js'

const LIMIT = 1000

describe('entries a path cannot name', () => {
  let stack: Stack
  let socket: Server

  before(async () => {
    stack = await startStack({ settings: { sessionLimits: { memoryBytes: 2 ** 31, pids: 512, cpuWeight: 100, workspaceBytes: LIMIT } } })
  })
  after(async () => {
    socket?.close()
    await stack.close()
  })

  it('lists names that are not UTF-8, and counts their bytes against the limit', async () => {
    const ws = stack.workspace
    mkdirSync(join(ws, 'odd'))
    // What `printf` in the agent's shell makes: 0xff is never UTF-8.
    execFileSync('bash', ['-c', `head -c 900 /dev/zero > $'odd/hidden\\xff' && mkdir $'odd/dir\\xfe' && echo x > $'odd/dir\\xfe/in'`], {
      cwd: ws,
    })
    const listing = await call(stack.url, 'GET', `/files${q('odd', '&recursive=1')}`)
    assert.equal(listing.status, 200)
    const entries = listing.body['entries'] as Array<{ path: string; type: string; size: number }>
    assert.deepEqual(
      entries.map((e) => [e.path, e.type]),
      [
        ['odd/dir\ufffd', 'directory'],
        ['odd/dir\ufffd/in', 'file'],
        ['odd/hidden\ufffd', 'file'],
      ],
    )
    assert.equal(await directoryUsage(ws), 902)
    const refused = await call(stack.url, 'PUT', `/files/content${q('b.bin')}`, 'b'.repeat(200))
    assert.equal(refused.status, 413, JSON.stringify(refused.body))
    assert.deepEqual(refused.body['data'], { usedBytes: 902, limitBytes: LIMIT })
    // The tree goes with its directory.
    assert.equal((await call(stack.url, 'DELETE', `/files${q('odd', '&recursive=1')}`)).status, 200)
    assert.equal(await directoryUsage(ws), 0)
  })

  it('lists a tree nested past PATH_MAX completely, and says so when it stops descending', async () => {
    const name = 'd'.repeat(200)
    // 30 levels of 200 bytes: 6 000 bytes of path, past what Node reaches by path.
    execFileSync('bash', ['-c', `mkdir deep && cd deep && for i in $(seq 30); do mkdir ${name} && cd ${name}; done && echo hi > f`], {
      cwd: stack.workspace,
    })
    const deep = await call(stack.url, 'GET', `/files${q('deep', '&recursive=1')}`)
    assert.equal(deep.status, 200, JSON.stringify(deep.body).slice(0, 300))
    assert.equal(deep.body['entries'].length, 31)
    assert.equal(deep.body['truncated'], false)
    const last = deep.body['entries'].at(-1) as { path: string; size: number }
    assert.equal(last.path, `deep/${Array.from({ length: 30 }, () => name).join('/')}/f`)
    assert.equal(last.size, 3)

    execFileSync('bash', ['-c', `mkdir deeper && cd deeper && for i in $(seq ${MAX_LIST_DEPTH + 5}); do mkdir x && cd x; done`], {
      cwd: stack.workspace,
    })
    const deeper = await call(stack.url, 'GET', `/files${q('deeper', '&recursive=1')}`)
    assert.equal(deeper.status, 200)
    assert.equal(deeper.body['entries'].length, MAX_LIST_DEPTH + 1)
    assert.equal(deeper.body['truncated'], true)
  })

  it('refuses to read a unix socket as not a regular file', async () => {
    socket = createServer()
    await new Promise<void>((resolve) => socket.listen(join(stack.workspace, 'sock'), resolve))
    const read = await call(stack.url, 'GET', `/files/content${q('sock')}`)
    assert.equal(read.status, 400, JSON.stringify(read.body))
    assert.equal(read.body['code'], 'INVALID_REQUEST')
    assert.equal((await call(stack.url, 'GET', `/files/stat${q('sock')}`)).body['entry'].type, 'other')
  })
})
