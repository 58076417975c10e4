// The model gateway counts what each answer used, as the bytes pass, into a real ledger on a
// real SQLite file: a JSON body's usage, a stream's message_start usage updated by
// message_delta (even split byte by byte), a gzipped answer, a stream cut short (its input
// still counts); it never holds a streamed byte back; over a budget it refuses without
// forwarding, whatever the request's headers claim. The upstream is a stand-in for the
// Anthropic API on loopback.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { SqliteStore } from '../../src/event-log/sqlite-store.js'
import { startModelGateway } from '../../src/sandbox/model-gateway.js'
import { MAX_METERED_REQUESTS } from '../../src/sandbox/request-slots.js'
import type { SocketServer } from '../../src/sandbox/socket-server.js'
import { Ledger, type BudgetRefusal, type MeteredSession } from '../../src/usage/ledger.js'
import { DEFAULT_PRICES } from '../../src/usage/prices.js'

const MODEL = 'claude-sonnet-4-5-20250929'
const usage = { input_tokens: 1000, output_tokens: 1, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000 }
const sse = (final: Record<string, number>) =>
  [
    `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: MODEL, usage } })}\n\n`,
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo ✓"}}\n\n`,
    `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: final })}\n\n`,
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join('')

type Answer = (req: IncomingMessage, res: ServerResponse) => void
const answers: Record<string, Answer> = {
  '/json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: MODEL, usage })),
  '/sse-bytes': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    // One byte per write: lines, JSON and a multi-byte character are all split.
    const bytes = [...Buffer.from(sse({ output_tokens: 500 }))]
    const next = (): void => {
      const byte = bytes.shift()
      if (byte === undefined) return void res.end()
      res.write(Buffer.of(byte), next)
    }
    next()
  },
  // Spaced JSON (any JSON encoder may answer so), and a delta whose text quotes a usage event.
  '/sse-spaced': (_req, res) => {
    const start = JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: MODEL, usage } }, null, 1).replace(/\n/g, ' ')
    const quoted = JSON.stringify({ type: 'message_delta', usage: { output_tokens: 99_999 } })
    const delta = JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: quoted } })
    const end = JSON.stringify({ type: 'message_delta', delta: {}, usage: { output_tokens: 42 } }, null, 2).replace(/\n/g, '')
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(`event: message_start\ndata: ${start}\n\nevent: content_block_delta\ndata: ${delta}\n\nevent: message_delta\ndata:${end}\n\n`)
  },
  '/gzip': (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }).end(gzipSync(sse({ output_tokens: 70 }))),
  '/cut': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(sse({ output_tokens: 9 }).split('event: content_block_delta')[0], () => res.destroy())
  },
  '/held': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(sse({ output_tokens: 5 }).split('event: content_block_delta')[0])
    release = () =>
      res.end(
        sse({ output_tokens: 5 })
          .split('event: message_start')[1]!
          .replace(/^[^\n]*\n\n/, ''),
      )
  },
  // The whole answer but its end: the client takes what it wants, then hangs up.
  '/deltas-held': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const [start] = sse({}).split('event: content_block_delta')
    const text = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word "}}\n\n`
    const emptyJson = `event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}\n\n`
    res.write(`${start}${text.repeat(DELTAS)}${emptyJson}event: ping\ndata: {}\n\n`)
  },
  // Held until the test answers it, each as it comes.
  '/hold-many': (_req, res) => {
    heldMany.push(res)
    onHeld()
  },
  // What the client asked to be sent, as the upstream got it.
  '/encodings': (req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ model: MODEL, usage, asked: req.headers['accept-encoding'] ?? null })),
  // Claude Code's WebSearch tool is the API's server tool: each search is billed on its own.
  '/searched': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ model: MODEL, usage: { ...usage, server_tool_use: { web_search_requests: 3 } } })),
  '/searched-sse': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(sse({ output_tokens: 20, server_tool_use: { web_search_requests: 2 } } as unknown as Record<string, number>))
  },
  '/error': (_req, res) => res.writeHead(529, { 'content-type': 'application/json' }).end(JSON.stringify({ model: MODEL, usage })),
}
let release: () => void = () => {}
const DELTAS = 40
const heldMany: ServerResponse[] = []
let onHeld: () => void = () => {}

function post(socketPath: string, path: string, headers: Record<string, string> = {}, onFirstBytes?: () => void) {
  return new Promise<{ status: number; body: string }>((resolve) => {
    const req = request({ socketPath, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => {
        if (chunks.length === 0) onFirstBytes?.()
        chunks.push(d)
      })
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', () => resolve({ status: 0, body: '' }))
    req.end('{}')
  })
}

describe('model gateway usage and budgets', () => {
  let dir: string
  let upstream: Server
  let store: SqliteStore
  let ledger: Ledger
  let gateway: SocketServer
  let forwarded: string[] = []
  const refusals: BudgetRefusal[] = []
  let n = 0
  let session: MeteredSession

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-gateway-usage-'))
    upstream = createServer((req, res) => {
      forwarded.push(req.url ?? '')
      req.resume()
      answers[req.url!.replace(/^\/api/, '')]!(req, res)
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    store = new SqliteStore(join(dir, 'sessions.db'))
    ledger = new Ledger(store.usage, DEFAULT_PRICES)
  })
  beforeEach(async () => {
    await gateway?.close()
    session = { id: `s${++n}`, conversationId: `c${n}`, principal: 'alice' }
    forwarded = []
    gateway = startModelGateway({
      socketPath: join(dir, `model${n}.sock`),
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`),
      credentials: { apiKey: 'sk-real-key-0123456789' },
      meter: ledger.meterFor(session),
      onBudgetRefused: (r) => refusals.push(r),
    })
  })
  after(async () => {
    await gateway.close()
    upstream.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // Recording happens as the answer ends, just after the client has it.
  const counted = async (requests: number) => {
    while ((await ledger.sessionUsage(session)).usage.requests < requests) await new Promise((r) => setImmediate(r))
    return ledger.sessionUsage(session)
  }

  it('counts a JSON answer and prices it by the model it names', async () => {
    assert.equal((await post(gateway.socketPath, '/json')).status, 200)
    const got = await counted(1)
    assert.deepEqual(got.byModel[MODEL], {
      requests: 1,
      inputTokens: 1000,
      outputTokens: 1,
      cacheCreationInputTokens: 200,
      cacheReadInputTokens: 3000,
      // Sonnet 4.5: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million.
      costUsd: (1000 * 3 + 1 * 15 + 200 * 3.75 + 3000 * 0.3) / 1e6,
    })
  })

  it("counts a stream split byte by byte: message_start's usage, message_delta's output", async () => {
    const res = await post(gateway.socketPath, '/sse-bytes')
    assert.equal(res.body, sse({ output_tokens: 500 }), 'the bytes pass unchanged')
    const got = (await counted(1)).usage
    assert.equal(got.inputTokens, 1000)
    assert.equal(got.outputTokens, 500)
    assert.equal(got.cacheReadInputTokens, 3000)
  })

  it('reads usage events however their JSON is spaced, and not a delta that quotes one', async () => {
    assert.equal((await post(gateway.socketPath, '/sse-spaced')).status, 200)
    const got = (await counted(1)).usage
    assert.equal(got.inputTokens, 1000)
    assert.equal(got.outputTokens, 42)
  })

  it('reads a gzipped answer, passing it on compressed', async () => {
    const res = await post(gateway.socketPath, '/gzip')
    assert.notEqual(res.body, sse({ output_tokens: 70 }))
    assert.equal((await counted(1)).usage.outputTokens, 70)
  })

  it('counts the input of a stream cut short', async () => {
    await post(gateway.socketPath, '/cut')
    const got = (await counted(1)).usage
    assert.equal(got.inputTokens, 1000)
    assert.equal(got.outputTokens, 1)
  })

  it('counts each delta a client read of a stream it hung up on before the end, as an output token at least', async () => {
    await new Promise<void>((resolve) => {
      const req = request({ socketPath: gateway.socketPath, path: '/deltas-held', method: 'POST' }, (res) => {
        let text = ''
        res.on('data', (d: Buffer) => {
          text += d.toString()
          if (text.includes('event: ping')) req.destroy()
        })
      })
      req.on('error', () => undefined)
      req.on('close', () => resolve())
      req.end('{}')
    })
    const got = (await counted(1)).usage
    assert.equal(got.inputTokens, 1000)
    assert.equal(got.outputTokens, DELTAS, 'the output it was sent, not the 1 that message_start said')
  })

  it('forwards at most MAX_METERED_REQUESTS of a run at once; the others wait their turn', async () => {
    const total = MAX_METERED_REQUESTS + 4
    let arrived = 0
    const allHeld = new Promise<void>((resolve) => {
      onHeld = () => {
        if (++arrived === MAX_METERED_REQUESTS) resolve()
      }
    })
    const answered = Array.from({ length: total }, () => post(gateway.socketPath, '/hold-many'))
    await allHeld
    // A request the gateway answers itself, sent after all of them: once it is answered, every
    // one of them has been read and either forwarded or made to wait.
    assert.equal((await post(gateway.socketPath, '/v1/complete')).status, 403)
    assert.equal(heldMany.length, MAX_METERED_REQUESTS, 'the rest wait for a slot')
    // Each answer frees a slot for the next.
    onHeld = () =>
      heldMany
        .shift()!
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ model: MODEL, usage }))
    for (const res of heldMany.splice(0))
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: MODEL, usage }))
    const statuses = (await Promise.all(answered)).map((a) => a.status)
    assert.deepEqual(statuses, Array(total).fill(200))
  })

  it('asks the upstream only for encodings it can read the usage of, whatever the client asked', async () => {
    for (const asked of ['zstd', 'zstd, gzip;q=0.1', 'identity;q=0, zstd', undefined]) {
      const got = await post(gateway.socketPath, '/encodings', asked === undefined ? {} : { 'accept-encoding': asked })
      const seen = (JSON.parse(got.body) as { asked: string | null }).asked
      for (const coding of (seen ?? '').split(',').map((c) => c.trim().split(';')[0]!)) {
        assert.ok(['', 'gzip', 'deflate', 'br', 'identity'].includes(coding), `${String(asked)} -> ${String(seen)}`)
      }
    }
  })

  it('counts the web searches an answer reports, at $10 per thousand, in a JSON answer and in a stream', async () => {
    await post(gateway.socketPath, '/searched')
    const tokens = (1000 * 3 + 1 * 15 + 200 * 3.75 + 3000 * 0.3) / 1e6
    assert.ok(Math.abs((await counted(1)).usage.costUsd - (tokens + 0.03)) < 1e-9)
    await post(gateway.socketPath, '/searched-sse')
    const streamed = (1000 * 3 + 20 * 15 + 200 * 3.75 + 3000 * 0.3) / 1e6
    assert.ok(Math.abs((await counted(2)).usage.costUsd - (tokens + 0.03 + streamed + 0.02)) < 1e-9)
  })

  it('passes streamed bytes on before the answer ends', async () => {
    let first!: () => void
    const sawFirst = new Promise<void>((r) => (first = r))
    const done = post(gateway.socketPath, '/held', {}, first)
    await sawFirst
    assert.equal((await ledger.sessionUsage(session)).usage.requests, 0, 'the answer has not ended')
    release()
    await done
    assert.equal((await counted(1)).usage.outputTokens, 5)
  })

  it('counts nothing for an error answer', async () => {
    assert.equal((await post(gateway.socketPath, '/error')).status, 529)
    await post(gateway.socketPath, '/json')
    assert.equal((await counted(1)).usage.requests, 1)
  })

  it('refuses once the budget is reached, whatever the request claims, and forwards nothing', async () => {
    await ledger.setSessionBudget(session, 0.004)
    // Under the cap it goes; this answer (about $0.0047) crosses it.
    assert.equal((await post(gateway.socketPath, '/json')).status, 200)
    await counted(1)
    assert.ok((await ledger.sessionUsage(session)).usage.costUsd >= 0.004)
    const before = forwarded.length
    const forged = { 'x-claude-code-session-id': 'other', 'x-session-id': 's0', authorization: 'Bearer x', 'x-api-key': 'sk-x' }
    const res = await post(gateway.socketPath, '/json', forged)
    assert.equal(res.status, 400)
    const body = JSON.parse(res.body)
    assert.equal(body.type, 'error')
    assert.equal(body.error.type, 'invalid_request_error')
    assert.match(body.error.message, /^budget_exceeded: Session s\d+ has spent/)
    assert.equal(forwarded.length, before, 'nothing reached the upstream')
    const refusal = refusals.at(-1)!
    assert.deepEqual(refusal, {
      scope: 'session',
      id: session.id,
      spentUsd: (await ledger.sessionUsage(session)).usage.costUsd,
      limitUsd: 0.004,
    })

    await ledger.setSessionBudget(session, null)
    assert.equal((await post(gateway.socketPath, '/json')).status, 200, 'no limit: it goes again')
  })

  it("refuses for the principal's budget over all its sessions", async () => {
    const spent = (await ledger.principalUsage('alice')).usage.costUsd
    assert.ok(spent > 0, 'the earlier sessions counted for alice')
    await ledger.setPrincipalBudget('alice', spent)
    const res = await post(gateway.socketPath, '/json')
    assert.equal(res.status, 400)
    assert.deepEqual(refusals.at(-1), { scope: 'principal', id: 'alice', spentUsd: spent, limitUsd: spent })
    await ledger.setPrincipalBudget('alice', null)
  })

  it("applies the server's default budgets until one is set, and null lifts them", async () => {
    const withDefaults = new Ledger(store.usage, DEFAULT_PRICES, { sessionUsd: 0, principalUsd: 100 })
    const fresh: MeteredSession = { id: 'new', conversationId: 'c-new', principal: 'carol' }
    assert.deepEqual((await withDefaults.sessionUsage(fresh)).budget, { limitUsd: 0, source: 'server' })
    assert.deepEqual((await withDefaults.principalUsage('carol')).budget, { limitUsd: 100, source: 'server' })
    assert.deepEqual(await withDefaults.refusal(fresh), { scope: 'session', id: 'new', spentUsd: 0, limitUsd: 0 })
    assert.deepEqual(await withDefaults.setSessionBudget(fresh, null), { limitUsd: null, source: 'own' })
    assert.equal(await withDefaults.refusal(fresh), undefined)
    assert.equal(await withDefaults.refusal({ ...fresh, principal: null }), undefined, 'no principal: only the session budget')
  })
})
