// A recursive delete of a tree the agent keeps writing into: rm finds a directory that
// gained entries meanwhile. The delete is tried again, and an answer is always typed: the
// tree gone, or DIRECTORY_NOT_EMPTY, never a 500.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, q } from './helpers.js'

describe('a recursive delete while the tree is written into', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack()
  })
  after(() => stack.close())

  it('answers with the tree deleted or DIRECTORY_NOT_EMPTY, never an internal error', async () => {
    const ws = stack.workspace
    let deleted = 0
    for (let i = 0; i < 8; i++) {
      mkdirSync(join(ws, 'busy', 'a', 'b'), { recursive: true })
      const write = `cd '${ws}'; i=0; while :; do mkdir -p busy/a/b 2>/dev/null; echo x > busy/a/b/f$i 2>/dev/null; i=$((i+1)); done`
      // Its own process group, so that the kill also stops a mkdir or echo it has started.
      const writer = spawn('bash', ['-c', write], { stdio: 'ignore', detached: true })
      try {
        await new Promise((resolve) => setTimeout(resolve, 100))
        const res = await call(stack.url, 'DELETE', `/files${q('busy', '&recursive=1')}`)
        if (res.status === 200) deleted++
        else assert.equal(res.body['code'], 'DIRECTORY_NOT_EMPTY', JSON.stringify(res.body))
      } finally {
        process.kill(-writer.pid!, 'SIGKILL')
      }
    }
    assert.ok(deleted > 0)
  })
})
