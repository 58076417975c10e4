// Each frame is serialized once, however many clients take it: a logged event's JSON text is
// made when it is recorded and sent as is to every subscriber; a token event (not logged) is
// serialized once for all the subscribers that take partial messages, and not at all when none
// does. A `toJSON` on the message counts the serializations. Real EventHub, real SQLite file.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger, newSessionRecord, SqliteStore } from '../src/index.js'
import { EventHub, type Subscriber } from '../src/sessions/event-hub.js'

/** An SDK message that counts how often it is turned into JSON. */
function countedMessage(type: string): { message: { type: string }; serialized: () => number } {
  let count = 0
  const fields = { type, session_id: 's', event: { type: 'content_block_delta' } }
  const message = {
    ...fields,
    toJSON() {
      count++
      return fields
    },
  }
  return { message, serialized: () => count }
}

interface Taken {
  texts: string[]
  subscriber: Subscriber
}

function subscriber(partial: boolean): Taken {
  const texts: string[] = []
  return {
    texts,
    subscriber: {
      deliver: (event) => texts.push(event.text),
      ...(partial && { deliverTransient: (text: string) => void texts.push(text) }),
    },
  }
}

describe('frames are serialized once', () => {
  let dir: string
  let store: SqliteStore
  let hub: EventHub

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-serialize-'))
    store = new SqliteStore(join(dir, 'events.db'))
    await store.insertSession(newSessionRecord('frames', { state: 'idle' }))
    hub = new EventHub({
      sessionId: 'frames',
      log: store,
      logger: createLogger({ level: 'silent' }),
      lastSeq: 0,
      openRequests: () => [],
      onLeave: () => {},
    })
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a logged event: once for three subscribers, the same text to each', async () => {
    const taken = [subscriber(true), subscriber(false), subscriber(true)]
    const subscriptions = taken.map((t) => hub.subscribe(t.subscriber))
    const { message, serialized } = countedMessage('assistant')
    const event = await hub.record({ type: 'sdk_message', data: message })
    assert.ok(event)
    assert.equal(serialized(), 1)
    for (const t of taken) assert.deepEqual(t.texts, [event.text])
    assert.equal(JSON.parse(event.text).data.type, 'assistant')
    for (const s of subscriptions) s.close()
  })

  it('a token event: once for the subscribers that take partial messages, never for the others', () => {
    const partial = [subscriber(true), subscriber(true)]
    const plain = subscriber(false)
    const subscriptions = [...partial, plain].map((t) => hub.subscribe(t.subscriber))
    const first = countedMessage('stream_event')
    hub.transient({ type: 'sdk_message', data: first.message })
    assert.equal(first.serialized(), 1)
    assert.equal(partial[0]!.texts[0], partial[1]!.texts[0])
    assert.deepEqual(JSON.parse(partial[0]!.texts[0]!), {
      type: 'sdk_message',
      data: { type: 'stream_event', session_id: 's', event: { type: 'content_block_delta' } },
    })
    assert.deepEqual(plain.texts, [])

    for (const s of subscriptions.slice(0, 2)) s.close()
    const second = countedMessage('stream_event')
    hub.transient({ type: 'sdk_message', data: second.message })
    assert.equal(second.serialized(), 0, 'no subscriber takes partial messages: not serialized')
    subscriptions[2]!.close()
  })
})
