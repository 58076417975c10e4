// The registry of live access: a socket or request added just after its token was revoked (it
// was authenticated just before) is closed as it is added, and the revoking request is spared.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LiveSockets } from '../../src/tenancy/live-sockets.js'

describe('LiveSockets', () => {
  const ann = { id: 'ann', role: 'member' as const, tokenId: 'tok_ann' }

  it('closes what a revoked token adds after its revocation', async () => {
    const live = new LiveSockets()
    live.revokeToken('tok_ann')
    const reasons: string[] = []
    live.add({ principal: ann, close: (reason) => reasons.push(reason) })
    await Promise.resolve()
    assert.deepEqual(reasons, ['the token was revoked'])
    assert.equal(live.size, 0)
  })

  it('spares the one the revocation names, and closes the others', () => {
    const live = new LiveSockets()
    const closed: string[] = []
    const revoking = { principal: ann, close: () => closed.push('revoking') }
    live.add(revoking)
    live.add({ principal: ann, close: () => closed.push('socket') })
    live.revokeToken('tok_ann', revoking)
    assert.deepEqual(closed, ['socket'])
  })
})
