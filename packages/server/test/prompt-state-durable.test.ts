// A prompt's uuid and the stored state `running` are committed together, before the CLI can run
// it. Were the state stored later (as it is told to clients: once the prompt is written), a kill
// in between would bring the session back `idle`, with no INTERRUPTED_BY_RESTART, and the
// prompt's resend refused as a duplicate whose result never comes. A trigger, made on a second
// connection to the server's SQLite file, reads the stored state as the uuid is inserted.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { after, before, describe, it } from 'node:test'
import { databasePath } from '../src/settings.js'
import { say, startStack, type Stack } from './helpers/stack.js'
import { WsProbe, sdkData } from './helpers/ws-probe.js'

describe("a prompt's uuid and the running state", () => {
  let stack: Stack
  let db: Database.Database

  before(async () => {
    stack = await startStack({ scenario: { scripts: [say('durable', 'Noted')] } })
    db = new Database(databasePath(stack.settings))
    db.exec(`CREATE TABLE probe_states (uuid TEXT, state TEXT);
      CREATE TRIGGER probe_prompt AFTER INSERT ON prompts BEGIN
        INSERT INTO probe_states SELECT NEW.uuid, state FROM sessions WHERE id = NEW.session_id;
      END;`)
  })
  after(async () => {
    db.close()
    await stack.close()
  })

  it('are stored in the same commit, before the prompt reaches the CLI', async () => {
    const probe = await WsProbe.connect(stack.wsUrl)
    try {
      for (const _ of [1, 2]) {
        const uuid = randomUUID()
        const from = probe.frames.length
        probe.send({
          type: 'user_message',
          data: { type: 'user', uuid, session_id: 'test', message: { role: 'user', content: 'durable' } },
        })
        assert.equal(sdkData(await probe.result(from))['is_error'], false)
        const stored = db.prepare<[string], { state: string }>('SELECT state FROM probe_states WHERE uuid = ?').get(uuid)
        assert.equal(stored?.state, 'running', 'what a restart would read once the uuid is recorded')
      }
      const row = db.prepare<[], { state: string }>("SELECT state FROM sessions WHERE id = 'default'").get()
      assert.equal(row?.state, 'idle', 'and idle again after the result')
    } finally {
      probe.close()
    }
  })
})
