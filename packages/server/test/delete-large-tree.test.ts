// A session's files are the agent's making, as many as it likes: deleting the session removed
// them with a synchronous rm, during which the event loop every session shares served nothing
// (a million files: 72 s). They are removed off the loop now: the server goes on while they go,
// and the delete still answers once they are gone.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setImmediate as turn } from 'node:timers/promises'
import { call } from './files/helpers.js'
import { startStack, type Stack } from './helpers/stack.js'

const FILES = 4000

describe('deleting a session with a large tree', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { prewarm: false } })
  })
  after(() => stack.close())

  it('serves the event loop while the files go, and answers once they are gone', async () => {
    assert.equal((await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'big' }))).status, 201)
    const workspace = stack.workspaceOf('big')
    const dir = join(workspace, 'many')
    mkdirSync(dir)
    // What its agent could have left (a million takes a while to make; a few thousand show it).
    for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `f${i}`), '')
    const deleted = call(stack.url, 'DELETE', '/sessions/big')
    let done = false
    void deleted.then(() => (done = true))
    // This test shares the server's event loop: it runs between the removal's steps only if
    // the removal yields. A synchronous one leaves it the whole tree or nothing.
    // Looked at cheaply (a sample of names), so that it runs between as many steps as there are.
    const sample = Array.from({ length: FILES / 40 }, (_, i) => join(dir, `f${i * 40}`))
    let partly = false
    while (!done) {
      if (existsSync(dir) && sample.some((file) => !existsSync(file))) partly = true
      await turn()
    }
    assert.equal((await deleted).status, 200)
    assert.equal(existsSync(workspace), false, 'the workspace is gone when the delete answers')
    assert.ok(partly, 'nothing else ran while the files were removed')
  })
})
