// The sandbox launcher's hand-over, without a sandbox around it: the listener it makes is
// served by the process that started it (over the IPC channel), the command it then runs has
// neither the channel nor its variable, and without a channel it refuses to start.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import { Server as NetServer } from 'node:net'
import { describe, it } from 'node:test'
import { LAUNCHER } from '../../src/sandbox/bubblewrap.js'
import { freePort } from '../helpers/ports.js'

/** Run inside by the launcher: what it can see of the channel, then the answer on the port. */
const probe = (port: number) => `
  const { readdirSync, readlinkSync } = require('node:fs')
  // Before it connects anywhere, a socket beyond stdio (the test's pipes are socket pairs)
  // can only be one it inherited.
  const sockets = readdirSync('/proc/self/fd').filter((fd) => {
    if (Number(fd) <= 2) return false
    try { return readlinkSync('/proc/self/fd/' + fd).startsWith('socket:') } catch { return false }
  })
  console.log('sockets=' + sockets.length + ' channel=' + (process.env.NODE_CHANNEL_FD ?? 'none') + ' send=' + typeof process.send)
  require('node:http').get('http://127.0.0.1:${port}/hello', (res) => {
    let body = ''
    res.on('data', (d) => (body += d)).on('end', () => console.log('answer=' + body))
  }).on('error', (err) => console.log('error=' + err.message))
`

describe('the sandbox launcher hands a listener over', () => {
  it('to the process that started it, which serves its connections; the command gets no channel', async () => {
    const port = await freePort()
    const http = createServer((req, res) => res.end(`served by the parent: ${req.url}`))
    const child = spawn(process.execPath, [LAUNCHER, '--hand-over', `127.0.0.1:${port}`, '--', process.execPath, '-e', probe(port)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const messages: unknown[] = []
    const handed: NetServer[] = []
    child.on('message', (message, handle) => {
      messages.push(message)
      assert.ok(handle instanceof NetServer, 'a listening socket came with the message')
      handed.push(handle)
      handle.on('connection', (socket) => http.emit('connection', socket))
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    assert.equal(code, 0, out)
    assert.deepEqual(messages, [{ type: 'claude-agent-listener', listen: `127.0.0.1:${port}` }])
    assert.match(out, /sockets=0 channel=none send=undefined/)
    assert.match(out, /answer=served by the parent: \/hello/)
    for (const listener of handed) listener.close()
    http.close()
  })

  it('refuses to start without a channel to hand it over', () => {
    const run = spawnSync(process.execPath, [LAUNCHER, '--hand-over', '127.0.0.1:1', '--', process.execPath, '-e', 'console.log("ran")'], {
      encoding: 'utf8',
    })
    assert.equal(run.status, 2)
    assert.match(run.stderr, /--hand-over needs the IPC channel/)
    assert.doesNotMatch(run.stdout, /ran/)
  })
})
