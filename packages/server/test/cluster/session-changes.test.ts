// Sessions-list changes between nodes over a real PostgreSQL's LISTEN/NOTIFY: another node
// hears of a change, the sender does not hear its own, and after the database was down and
// came back both sides are told (a change made meanwhile is sent then, and the listener
// resyncs since it may have missed some). Waits are on the listener, bounded.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SessionChanges } from '../../src/cluster/session-changes.js'
import { createLogger } from '../../src/logger.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'

const logger = createLogger({ level: 'silent' })
let postgres: PostgresServer
let halted = false
before(async () => {
  postgres = await startPostgres()
})
after(async () => {
  if (halted) postgres.resume()
  await postgres?.stop()
})

/** Counts a node's notifications; `next()` waits (20 s at most) for one more than seen so far. */
function counted(changes: SessionChanges) {
  let count = 0
  let wake = () => {}
  changes.onChange(() => {
    count++
    wake()
  })
  return {
    get count() {
      return count
    },
    async next(): Promise<void> {
      const want = count + 1
      const deadline = Date.now() + 20_000
      while (count < want) {
        if (Date.now() > deadline) throw new Error('no notification came')
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 500)
        })
      }
    },
  }
}

describe('sessions changes between nodes', () => {
  it('reach the other node only, and resume after the database was down', async () => {
    const url = await postgres.database()
    const x = new SessionChanges(url, 'x', logger)
    const y = new SessionChanges(url, 'y', logger)
    await x.start()
    await y.start()
    try {
      const heardByX = counted(x)
      const heardByY = counted(y)
      x.changed()
      await heardByY.next()
      y.changed()
      await heardByX.next()
      assert.equal(heardByX.count, 1, 'x did not hear its own change')
      assert.equal(heardByY.count, 1)

      postgres.halt()
      halted = true
      x.changed()
      const yAgain = heardByY.next()
      postgres.resume()
      halted = false
      await yAgain
    } finally {
      await x.close()
      await y.close()
    }
  })
})
