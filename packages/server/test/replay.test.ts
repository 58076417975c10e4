// A client whose connection drops at random points, again and again, and reconnects with
// `after` set to the last sequence number it saw, receives every event exactly once, in order.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { api } from './helpers/http.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const STEPS = 6
const TURNS = 3

describe('replay across dropped connections', () => {
  let stack: Stack
  before(async () => {
    const step = (i: number) => ({
      content: [
        { type: 'text' as const, text: `step ${i}` },
        { type: 'tool_use' as const, name: 'Bash', input: { command: `echo step-${i}` } },
      ],
      chunkDelayMs: 15,
      chunkSize: 2,
    })
    stack = await startStack({
      scenario: {
        scripts: [
          {
            match: { prompt: 'churn' },
            repeat: true,
            replies: [...Array.from({ length: STEPS }, (_, i) => step(i)), { content: [{ type: 'text', text: 'all steps done' }] }],
          },
        ],
      },
    })
    await api(stack.url, 'POST', '/sessions', { id: 'churn', config: { permissionMode: 'bypassPermissions' } })
  })
  after(() => stack.close())

  it('delivers every event exactly once, in order, across random disconnects', async () => {
    const wsUrl = (afterSeq: number) => `${stack.url.replace(/^http/, 'ws')}/sessions/churn/ws?after=${afterSeq}`
    const driver = await WsProbe.connect(wsUrl(0))
    const received: number[] = []
    let lastSeen = 0
    let drops = 0
    let done = false

    // The churning client: connect, read for a random while, drop the connection hard.
    const churn = (async () => {
      while (!done) {
        const probe = await WsProbe.connect(wsUrl(lastSeen))
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 200))
        probe.socket.terminate()
        // What this connection delivered before the drop, as a client would have processed it.
        for (const frame of probe.frames) {
          if (typeof frame['seq'] === 'number') {
            received.push(frame['seq'])
            lastSeen = frame['seq']
          }
        }
        drops++
      }
    })()

    for (let turn = 0; turn < TURNS; turn++) {
      const from = driver.frames.length
      driver.prompt('churn')
      await driver.result(from)
    }
    done = true
    await churn
    // A last reconnect catches up whatever happened after the final drop.
    const lastSeq = (await api(stack.url, 'GET', '/sessions/churn')).body['session'].lastSeq as number
    const final = await WsProbe.connect(wsUrl(lastSeen))
    if (lastSeen < lastSeq) await final.next((f) => f['seq'] === lastSeq)
    for (const f of final.frames) if (typeof f['seq'] === 'number' && f['seq'] > lastSeen) received.push(f['seq'])
    final.close()
    driver.close()

    assert.ok(drops >= 3, `the connection dropped ${drops} times`)
    assert.ok(lastSeq > TURNS * STEPS * 2, `enough events (${lastSeq})`)
    assert.deepEqual(
      received,
      Array.from({ length: lastSeq }, (_, i) => i + 1),
      'each event once, in order',
    )
  })
})
