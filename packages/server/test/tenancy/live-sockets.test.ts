// The registry of live access: a socket or request added just after its token was revoked (it
// was authenticated just before) is closed as it is added, and the revoking request is spared;
// revoked ids are forgotten once no request authenticated before them can still arrive.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LiveSockets, REVOKED_MEMORY_MS } from '../../src/tenancy/live-sockets.js'

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

  it('remembers revoked ids for REVOKED_MEMORY_MS, not for ever', async () => {
    let now = 0
    const live = new LiveSockets(() => now)
    for (let i = 0; i < 1000; i++) live.revokeToken(`tok_${i}`)
    now = REVOKED_MEMORY_MS - 1
    live.revokeToken('tok_ann')
    assert.equal(live.revokedRemembered, 1001, 'still within the window')
    const reasons: string[] = []
    live.add({ principal: ann, close: (reason) => reasons.push(reason) })
    live.add({ principal: { ...ann, tokenId: 'tok_0' }, close: (reason) => reasons.push(reason) })
    await Promise.resolve()
    assert.deepEqual(reasons, ['the token was revoked', 'the token was revoked'])
    now = REVOKED_MEMORY_MS
    live.revokeToken('tok_bob')
    assert.equal(live.revokedRemembered, 2, 'the first thousand are forgotten')
    now = 2 * REVOKED_MEMORY_MS
    live.revokeToken('tok_ann') // again: moved to the end, so it is forgotten last
    now = 2 * REVOKED_MEMORY_MS + 1
    live.revokeToken('tok_carl')
    assert.equal(live.revokedRemembered, 2, 'tok_bob went; tok_ann, revoked again, stays with tok_carl')
    live.add({ principal: ann, close: (reason) => reasons.push(reason) })
    await Promise.resolve()
    assert.equal(reasons.length, 3)
  })
})
