// The forwarder on real sockets: a request for a session another node owns reaches that node
// as sent (method, path, body, credentials) plus the hop header; one that carries the hop
// header already, or names no session, is served here; an owner that does not answer is a
// NODE_UNREACHABLE in the wire shape.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Forwarder, HOP_HEADER, sessionOfPath } from '../../src/cluster/forward.js'
import { freePort } from '../helpers/ports.js'

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )

let owner: Server
let front: Server
let ownerUrl: string
let frontUrl: string
let deadUrl: string
const located: string[] = []

before(async () => {
  // The owner echoes what reached it.
  owner = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      res.writeHead(207, { 'content-type': 'application/json', 'x-owner': 'yes' })
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }))
    })
  })
  ownerUrl = await listen(owner)
  deadUrl = `http://127.0.0.1:${await freePort()}`
  const forwarder = new Forwarder({
    self: 'front',
    defaultSessionId: 'default',
    locate: async (id, forwarded) => {
      located.push(`${id}${forwarded ? ' (forwarded)' : ''}`)
      return id === 'dead' ? deadUrl : id === 'mine' ? undefined : ownerUrl
    },
  })
  front = createServer((req, res) => {
    void forwarder.http(req, res).then((sent) => {
      if (!sent) res.writeHead(200).end('served here')
    })
  })
  frontUrl = await listen(front)
})
after(async () => {
  front.close()
  owner.close()
})

describe('forwarding', () => {
  it('names the session of a path, strictly', () => {
    assert.equal(sessionOfPath('/ws', 'default'), 'default')
    assert.equal(sessionOfPath('/sessions/s1', 'default'), 's1')
    assert.equal(sessionOfPath('/sessions/a%2Fb/files?path=x', 'default'), 'a/b')
    assert.equal(sessionOfPath('/sessions/%ZZ/events', 'default'), undefined)
    assert.equal(sessionOfPath('/sessions', 'default'), undefined)
    assert.equal(sessionOfPath('/files/watch', 'default'), undefined)
  })

  it('passes the request on as sent, credentials and body included, with the hop header', async () => {
    const res = await fetch(`${frontUrl}/sessions/s1/files/content?path=a.txt`, {
      method: 'PUT',
      headers: { authorization: 'Bearer tok-1', 'content-type': 'text/plain', connection: 'keep-alive' },
      body: 'hello body',
    })
    assert.equal(res.status, 207)
    assert.equal(res.headers.get('x-owner'), 'yes')
    const seen = (await res.json()) as { method: string; url: string; headers: Record<string, string>; body: string }
    assert.equal(seen.method, 'PUT')
    assert.equal(seen.url, '/sessions/s1/files/content?path=a.txt')
    assert.equal(seen.body, 'hello body')
    assert.equal(seen.headers['authorization'], 'Bearer tok-1')
    assert.equal(seen.headers[HOP_HEADER], 'front')
  })

  it('serves here what names no session, what it owns, and what was forwarded once already', async () => {
    for (const [path, headers] of [
      ['/health', {}],
      ['/sessions/mine/events', {}],
      ['/sessions/s1/events', { [HOP_HEADER]: 'other' }],
    ] as const) {
      const res = await fetch(`${frontUrl}${path}`, { headers })
      assert.equal(await res.text(), 'served here', path)
    }
    assert.ok(located.includes('s1 (forwarded)'), 'a forwarded request is located (to refuse or take it), never sent on')
  })

  it('an owner that does not answer is NODE_UNREACHABLE (502) in the wire shape', async () => {
    const res = await fetch(`${frontUrl}/sessions/dead/events`)
    assert.equal(res.status, 502)
    const body = (await res.json()) as { code: string; error: string }
    assert.equal(body.code, 'NODE_UNREACHABLE')
  })
})
