// The real main.js with stdout piped (not a terminal): every line is JSON; the lines of an HTTP
// request carry its id (the caller's when sane, echoed back), a session's lines its sessionId.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '../src/logger.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'
import { WsProbe } from './helpers/ws-probe.js'

type Line = Record<string, unknown> & { level: string; time: string; msg: string }

describe('JSON log lines from the real server', () => {
  let dir: string
  let server: ServerProcess
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-logs-'))
    server = await spawnServer({ HOME: dir, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'debug' }, dir)
  })
  after(() => {
    server?.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
  })

  const lines = (): Line[] =>
    server
      .output()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Line
        } catch {
          throw new Error(`not a JSON line: ${l}`)
        }
      })

  async function waitForLine(match: (l: Line) => boolean): Promise<Line> {
    for (;;) {
      const found = lines().find(match)
      if (found) return found
      await new Promise<void>((resolve) => server.child.stdout!.once('data', () => resolve()))
    }
  }

  it('carries the request id: the caller’s when sane, a fresh one otherwise, echoed in the answer', async () => {
    const given = await fetch(`${server.url}/sessions`, { headers: { 'x-request-id': 'req-42.abc_Z:1' } })
    assert.equal(given.headers.get('x-request-id'), 'req-42.abc_Z:1')
    const line = await waitForLine((l) => l['requestId'] === 'req-42.abc_Z:1')
    assert.deepEqual([line.msg, line['method'], line['path'], line['status']], ['HTTP request', 'GET', '/sessions', 200])
    assert.equal(line.level, 'info')

    for (const bad of ['has space', 'x'.repeat(129), '{"level":"fatal"}']) {
      const res = await fetch(`${server.url}/sessions`, { headers: { 'x-request-id': bad } })
      const id = res.headers.get('x-request-id') ?? ''
      assert.match(id, /^[0-9a-f-]{36}$/, `a fresh id instead of ${JSON.stringify(bad)}`)
      await waitForLine((l) => l['requestId'] === id)
    }
    const missing = await fetch(`${server.url}/nowhere`)
    const id = missing.headers.get('x-request-id') ?? ''
    assert.equal(missing.status, 404)
    assert.equal((await waitForLine((l) => l['requestId'] === id))['status'], 404, 'errors are logged with their id too')
  })

  it('carries the session id on a session’s lines, not in the message', async () => {
    const created = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'logged-session' }),
    })
    assert.equal(created.status, 201)
    // Attaching prewarms the session's CLI: its start is logged.
    const probe = await WsProbe.connect(`${server.wsBase}/sessions/logged-session/ws`)
    const started = await waitForLine((l) => l['sessionId'] === 'logged-session' && l.msg.startsWith('agent started'))
    assert.equal(started.msg, 'agent started (new conversation)')
    probe.close()
    for (const line of lines()) {
      assert.equal(typeof line.time, 'string')
      assert.ok(['debug', 'info', 'warn', 'error'].includes(line.level), JSON.stringify(line))
      assert.doesNotMatch(line.msg, /^session \S+:/, 'no session id left in a message')
    }
  })
})

describe('readable lines for a terminal', () => {
  it('puts time, level and message first, then the fields', () => {
    const out: string[] = []
    const logger = createLogger({ level: 'info', format: 'pretty', write: (line) => out.push(line) })
    logger.child({ sessionId: 's1' }).warn('client cut off: too slow', { sent: 3, why: 'a b' })
    logger.debug('not shown at info')
    assert.equal(out.length, 1)
    assert.match(out[0]!, /^\d{4}-\d\d-\d\dT\S+Z WARN {2}client cut off: too slow sessionId=s1 sent=3 why="a b"$/)
  })

  it('writes no control character a request put in a message or a field: no escape sequence reaches the terminal', () => {
    const out: string[] = []
    const logger = createLogger({ level: 'info', format: 'pretty', write: (line) => out.push(line) })
    // A request's path is logged decoded: GET /%1B%5B2J would clear the terminal, \r rewrite the line.
    logger.info('HTTP request', { path: '/x\u001b[2J', other: 'a\u0007b' })
    logger.warn('refused \u001b[31mred\r\u009b1A and\nmore')
    assert.equal(out.length, 2)
    for (const line of out) assert.doesNotMatch(line, /\p{Cc}/u, JSON.stringify(line))
    assert.match(out[0]!, /path="\/x\\u001b\[2J" other="a\\u0007b"$/)
    assert.match(out[1]!, /refused \\u001b\[31mred\\u000d\\u009b1A and\\u000amore$/)
  })
})
