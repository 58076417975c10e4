// A prompt's uuid is stored before the CLI gets it, so a resend never runs twice. When the
// COMMIT of that record goes unanswered and the database cannot be asked how it ended, the
// prompt does not run (STORE_FAILED): its resend must then run it, not be refused as a
// duplicate of a prompt that never ran. A TCP proxy in front of a real PostgreSQL lets the
// prompt's COMMIT through (it commits), swallows the answer and drops every connection, refusing
// new ones until healed, so the server cannot learn the outcome.
import assert from 'node:assert/strict'
import { createConnection, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { PRINCIPALS } from '../helpers/principals.js'
import { say, startStack, type Stack } from '../helpers/stack.js'
import { tcpFront, type TcpFront } from '../helpers/tcp-front.js'
import { sdkData, WsProbe } from '../helpers/ws-probe.js'

/** Forwards to `target`; once armed, the connection that records a prompt has its COMMIT
 * answered by the database but not passed back, and then the link is down until `heal()`. */
async function outageAtPromptCommit(target: URL): Promise<TcpFront & { arm(): void; heal(): void; readonly cut: boolean }> {
  const state = { armed: false, down: false, cut: false }
  const live = new Set<Socket>()
  const goDown = () => {
    state.down = true
    state.cut = true
    for (const socket of live) socket.destroy()
  }
  const front = await tcpFront((client, track) => {
    if (state.down) return void client.destroy()
    const upstream = createConnection(Number(target.port), target.hostname)
    track(upstream)
    live.add(client).add(upstream)
    let recordsPrompt = false
    let swallowing = false
    client.on('data', (chunk: Buffer) => {
      if (state.armed && chunk.includes('INSERT INTO prompts')) recordsPrompt = true
      if (recordsPrompt && state.armed && chunk.includes('COMMIT\0')) {
        state.armed = false
        swallowing = true
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => (swallowing ? goDown() : client.write(chunk)))
    const end = () => {
      live.delete(client)
      live.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  return {
    ...front,
    arm: () => (state.armed = true),
    heal: () => (state.down = false),
    get cut() {
      return state.cut
    },
  }
}

let postgres: PostgresServer
let proxy: Awaited<ReturnType<typeof outageAtPromptCommit>>
let stack: Stack

before(async () => {
  postgres = await startPostgres()
  const database = await postgres.database()
  proxy = await outageAtPromptCommit(new URL(database))
  stack = await startStack({
    scenario: { scripts: [say('first', 'one'), say('lost at the commit', 'ran after all')] },
    settings: {
      prewarm: false,
      authTokens: [{ label: 'root', role: 'admin', token: PRINCIPALS.root.token }],
      databaseUrl: proxy.url(database),
      databaseQueryTimeoutMs: 2_000,
    },
  })
})
after(async () => {
  await stack?.close()
  proxy?.close()
  await postgres?.stop()
})

const prompt = (uuid: string, content: string) => ({
  type: 'user_message',
  data: { type: 'user', session_id: 'doubt', uuid, message: { role: 'user', content } },
})

describe("a prompt whose record's COMMIT went unanswered", () => {
  it('is reported not run, and its resend runs it once the database is back', async () => {
    const headers = { authorization: `Bearer ${PRINCIPALS.root.token}` }
    const created = await fetch(`${stack.url}/sessions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'doubt' }),
    })
    assert.equal(created.status, 201, await created.text())
    const probe = await WsProbe.connect(`${stack.url.replace(/^http/, 'ws')}/sessions/doubt/ws`, { headers })
    assert.equal(await probe.ask('first'), 'one')

    const uuid = '7d1e5a40-0000-4000-8000-0000000c0de1'
    const from = probe.frames.length
    proxy.arm()
    probe.send(prompt(uuid, 'lost at the commit'))
    const refused = await probe.next((f) => f.type === 'error' && (f['data'] as { uuid?: string } | undefined)?.uuid === uuid, {
      from,
      timeoutMs: 30_000,
    })
    assert.ok(proxy.cut, 'the outage began at the prompt record`s COMMIT')
    assert.equal(refused['code'], 'STORE_FAILED', JSON.stringify(refused))
    assert.deepEqual(refused['data'], { uuid })
    assert.ok(!probe.frames.slice(from).some((f) => f.type === 'sdk_message' && sdkData(f).type === 'result'), 'it did not run')

    proxy.heal()
    // The database is reachable again: the resend runs the prompt (its record did commit).
    const again = probe.frames.length
    probe.send(prompt(uuid, 'lost at the commit'))
    const settled = await probe.next(
      (f) => (f.type === 'sdk_message' && sdkData(f).type === 'result') || (f.type === 'error' && f['code'] !== 'STORE_FAILED'),
      { from: again, timeoutMs: 30_000 },
    )
    assert.equal(settled.type, 'sdk_message', `the resend: ${JSON.stringify(settled)}`)
    assert.equal(sdkData(settled)['result'], 'ran after all')

    // And it ran once: a further resend is the duplicate now.
    const third = probe.frames.length
    probe.send(prompt(uuid, 'lost at the commit'))
    const duplicate = await probe.next((f) => f.type === 'error', { from: third, timeoutMs: 30_000 })
    assert.equal(duplicate['code'], 'DUPLICATE_PROMPT', JSON.stringify(duplicate))
    probe.close()
  })
})
