// Revoking a token takes its access away at once, and a download it started is access too: a
// large workspace file read slowly stops streaming once the token is revoked.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { as, memberWithSession, startTenancyStack } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

const SIZE = 256 * 1024 ** 2

describe('a revoked token and the downloads it started', () => {
  let stack: Stack
  before(async () => (stack = await startTenancyStack()))
  after(() => stack.close())

  it('cuts the download', { timeout: 120_000 }, async () => {
    const { token, tokenId } = await memberWithSession(stack, 'erin', 'erin-dl')
    writeFileSync(join(stack.workspaceOf('erin-dl'), 'big.bin'), Buffer.alloc(SIZE, 7))
    const res = await fetch(`${stack.url}/sessions/erin-dl/files/content?path=big.bin`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(res.status, 200)
    const reader = res.body!.getReader()
    let received = 0
    let revoked = false
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        received += value.byteLength
        if (!revoked) {
          revoked = true
          assert.equal((await as(stack, 'root', 'DELETE', `/tokens/${tokenId}`)).status, 200)
        }
        await sleep(1) // a slow reader: the server has most of the file still to send
      }
    } catch {
      // cut: what came is what there is
    }
    assert.ok(received < SIZE, `the whole file (${received} bytes) streamed after the revocation`)
  })
})
