// What a sandbox opens towards the server costs the server's own descriptors: every connection
// to the model gateway (on its socket, or on the listener handed over from inside) and to the
// egress proxy is a file descriptor of the server process, shared by every session. An agent
// that opens thousands must not take them all: each of a run's servers holds at most
// MAX_RUN_CONNECTIONS, closes the rest at once, and accepts again once some have gone.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AllowList } from '../../src/sandbox/allow-list.js'
import { startEgressProxy } from '../../src/sandbox/egress-proxy.js'
import { startModelGateway, type ModelGateway } from '../../src/sandbox/model-gateway.js'
import { MAX_RUN_CONNECTIONS, type SocketServer } from '../../src/sandbox/socket-server.js'

type Target = { path: string } | { port: number }

/** Opens `count` connections, each once connected; resolves once `refused` of them were closed
 * by the server (or fails after a bound), with those still open. */
async function flood(target: Target, count: number, refused: number): Promise<Socket[]> {
  const open: Socket[] = []
  let closed = 0
  let enough: () => void = () => undefined
  const closedEnough = new Promise<void>((resolve) => (enough = resolve))
  for (let i = 0; i < count; i++) {
    const socket = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1')
    socket.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    socket.once('close', () => {
      if (++closed >= refused) enough()
    })
    open.push(socket)
  }
  let bound: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    bound = setTimeout(() => reject(new Error(`the server closed ${closed} of ${count} connections, not ${refused}`)), 10_000)
  })
  try {
    await Promise.race([closedEnough, timedOut])
  } catch (err) {
    for (const socket of open) socket.destroy()
    throw err
  } finally {
    clearTimeout(bound)
  }
  return open
}

/** One request on a fresh connection: the status it got, or 0 when it was closed unanswered. */
function ask(target: Target): Promise<number> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect(target.path) : connect(target.port, '127.0.0.1')
    let text = ''
    socket.on('data', (d) => (text += d))
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)))
    socket.on('error', () => undefined)
    socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  })
}

/** Served again once the server has seen the closes (which reach it a moment later). */
async function servedAgain(target: Target): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await ask(target)) > 0) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return false
}

describe('connections a sandbox may hold open to the server', () => {
  let dir: string
  let upstream: Server
  let gateway: ModelGateway
  let egress: SocketServer
  let handed: NetServer
  const extra = 20

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-conn-cap-'))
    upstream = createServer((_req, res) => res.end('{}'))
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    const upstreamUrl = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)
    gateway = startModelGateway({ socketPath: join(dir, 'model.sock'), upstream: upstreamUrl, credentials: { apiKey: 'sk-0123456789' } })
    egress = startEgressProxy({ socketPath: join(dir, 'egress.sock'), allow: new AllowList([]) })
    handed = createNetServer()
    await new Promise<void>((r) => handed.listen(0, '127.0.0.1', r))
    gateway.accept(handed)
  })
  after(async () => {
    await gateway.close()
    await egress.close()
    upstream.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const [name, target] of [
    ['the gateway on its socket', () => ({ path: join(dir, 'model.sock') })],
    ['the gateway on the listener handed over', () => ({ port: (handed.address() as AddressInfo).port })],
    ['the egress proxy', () => ({ path: join(dir, 'egress.sock') })],
  ] as const) {
    it(`keeps at most MAX_RUN_CONNECTIONS open to ${name}`, async () => {
      const open = await flood(target(), MAX_RUN_CONNECTIONS + extra, extra)
      try {
        const kept = open.filter((socket) => !socket.destroyed && socket.readyState === 'open')
        assert.equal(kept.length, MAX_RUN_CONNECTIONS)
      } finally {
        for (const socket of open) socket.destroy()
      }
      // Once they are gone, a new connection is served again.
      assert.ok(await servedAgain(target()), 'served again')
    })
  }
})
