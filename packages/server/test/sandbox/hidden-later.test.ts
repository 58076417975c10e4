// A path to hide that appears after the server started (an operator's SANDBOX_HIDE file, a
// `.env` written later) is hidden from every sandbox started after it: the hidden paths are
// resolved at each start, not once (a missing path cannot be mounted over, so it was left out
// for the server's life and the agent read the file once it was there).
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exec } from '../files/helpers.js'
import { startStack, type Stack } from '../helpers/stack.js'

describe('a path to hide made after the start', () => {
  // Not under /tmp, which every sandbox has a private one of.
  const dir = mkdtempSync('/var/cas-hide-later-')
  const secret = join(dir, 'keys.env')
  let stack: Stack

  before(async () => {
    stack = await startStack({ settings: { sandboxHide: [secret] } })
  })
  after(async () => {
    await stack?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is hidden from a sandbox started after it appeared', async () => {
    chmodSync(dir, 0o755) // readable to the sandbox's user, as a careless operator's would be
    writeFileSync(secret, 'API_KEY=sk-later-0123456789\n', { mode: 0o644 })
    const read = await exec(stack.url, 'default', { command: 'cat', args: [secret] })
    assert.ok(!read.stdout.includes('sk-later'), 'the secret stays out of reach')
    // /dev/null is mounted over it, on a mount the sandbox's user namespace makes nodev.
    assert.match(read.stderr, /keys\.env: Permission denied/)
  })
})
