// PUT /files/content over a setuid, setgid or sticky file: the new content keeps the file's
// rwx bits but none of those. A server running as root would otherwise leave a setuid-root
// program on the host made of whatever bytes a client uploaded over an existing one.
import assert from 'node:assert/strict'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startStack, type Stack } from '../helpers/stack.js'
import { call, q } from './helpers.js'

describe('overwriting a set-id file', () => {
  let stack: Stack
  let root: string

  before(async () => {
    stack = await startStack()
    const made = await call(stack.url, 'POST', '/sessions', JSON.stringify({ id: 'setid' }))
    assert.equal(made.status, 201, JSON.stringify(made.body))
    root = stack.workspaceOf('setid')
  })
  after(() => stack.close())

  for (const [name, mode, kept] of [
    ['setuid', 0o4755, 0o755],
    ['setgid', 0o2755, 0o755],
    ['sticky', 0o1750, 0o750],
    ['all three', 0o7711, 0o711],
  ] as const) {
    it(`clears the ${name} bit and keeps the permission bits`, async () => {
      const file = join(root, `${name.replace(/ /g, '-')}.bin`)
      // Made from the host: the sandbox's seccomp filter refuses set-id modes inside.
      writeFileSync(file, 'old')
      chmodSync(file, mode)
      assert.equal(statSync(file).mode & 0o7777, mode)
      const put = await call(stack.url, 'PUT', `/sessions/setid/files/content${q(file.slice(root.length + 1))}`, 'new')
      assert.equal(put.status, 200, JSON.stringify(put.body))
      assert.equal(readFileSync(file, 'utf8'), 'new')
      assert.equal((statSync(file).mode & 0o7777).toString(8), kept.toString(8))
    })
  }

  it('writes a new file without set-id bits', async () => {
    const put = await call(stack.url, 'PUT', `/sessions/setid/files/content${q('fresh.txt')}`, 'x')
    assert.equal(put.status, 201)
    assert.equal(statSync(join(root, 'fresh.txt')).mode & 0o7000, 0)
  })
})
