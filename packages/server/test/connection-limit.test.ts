// A flood of idle connections (no token needed to open one) cannot take the server to its
// open-file limit: past MAX_CONNECTIONS each new one is closed as it arrives, counted and
// logged, while a client already attached still runs its turns; once the flood ends new
// connections are served again. The default cap leaves a quarter of the open-file limit.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { defaultMaxConnections, openFileLimit } from '../src/http/connection-limit.js'
import { settingsFromEnv } from '../src/settings.js'
import { sample, scrape } from './helpers/metrics.js'
import { startStack, type Stack } from './helpers/stack.js'
import { WsProbe } from './helpers/ws-probe.js'

const MAX = 8

/** Opens a socket and resolves once it is connected, with whether the server closed it within `ms`. */
function idleSocket(port: number): Promise<{ socket: net.Socket; closed: Promise<boolean> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => undefined) // a reset is the server closing it
    const closed = new Promise<boolean>((done) => socket.once('close', () => done(true)))
    socket.once('connect', () => {
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n') // headers never finished: held open
      resolve({ socket, closed })
    })
    socket.once('error', reject)
  })
}

describe('the connection limit', () => {
  let stack: Stack

  before(async () => {
    stack = await startStack({ settings: { maxConnections: MAX } })
  })
  after(() => stack?.close())

  it('closes connections past MAX_CONNECTIONS as they arrive; an attached client goes on', async () => {
    const dropsBefore = sample(await scrape(`${stack.url}/metrics`), 'claude_agent_connections_dropped_total')
    const attached = await WsProbe.connect(`${stack.wsUrl}`)
    const flood = await Promise.all(Array.from({ length: MAX + 4 }, () => idleSocket(stack.server.port)))
    // The server closes the ones past the cap (less the attached client and the scrape's
    // kept-alive connection), and keeps the rest.
    const outcomes = await Promise.all(
      flood.map((f) => Promise.race([f.closed, new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))])),
    )
    const closed = outcomes.filter(Boolean).length
    assert.ok(closed >= 4 && closed <= 6, `closed: ${outcomes.join(',')}`)
    // The attached client's turn runs: its CLI and the event log have their descriptors.
    assert.match(await attached.ask('hello'), /./)
    assert.ok(
      stack.logLines.some((l) => l.startsWith('warn') && l.includes(`connection limit reached (MAX_CONNECTIONS ${MAX})`)),
      stack.logLines.join('\n'),
    )
    for (const f of flood) f.socket.destroy()
    attached.close()
    await attached.closedWith
    // The flood gone, a new request is served, and the drops were counted.
    const dropsAfter = sample(await scrape(`${stack.url}/metrics`), 'claude_agent_connections_dropped_total')
    assert.equal(dropsAfter - dropsBefore, closed)
  })

  it('defaults to three quarters of the soft open-file limit, read from /proc/self/limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cas-limits-'))
    try {
      const file = join(dir, 'limits')
      writeFileSync(
        file,
        'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n',
      )
      assert.equal(openFileLimit(file), 1024)
      assert.equal(defaultMaxConnections(openFileLimit(file)), 768)
      writeFileSync(file, 'Max open files            unlimited            unlimited            files\n')
      assert.equal(openFileLimit(file), undefined)
      assert.equal(defaultMaxConnections(undefined), undefined, 'no cap where the limit is unknown')
      assert.equal(openFileLimit(join(dir, 'missing')), undefined)
      assert.equal(defaultMaxConnections(40), 64, 'never below 64')
      assert.ok((openFileLimit() ?? 0) > 0, 'this machine has one')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads MAX_CONNECTIONS: a whole number of at least 1, unset for the default', () => {
    assert.equal(settingsFromEnv({ DATA_DIR: '/tmp/cas-settings-probe', MAX_CONNECTIONS: '500' }).maxConnections, 500)
    assert.equal(settingsFromEnv({ DATA_DIR: '/tmp/cas-settings-probe' }).maxConnections, undefined)
    for (const bad of ['0', '-1', 'many', '1e3'])
      assert.throws(
        () => settingsFromEnv({ DATA_DIR: '/tmp/cas-settings-probe', MAX_CONNECTIONS: bad }),
        /MAX_CONNECTIONS must be an integer >= 1/,
      )
  })
})
