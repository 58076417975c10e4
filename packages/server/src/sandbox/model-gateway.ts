// Where the credential lives: a reverse proxy on a host Unix socket in front of the model API.
// The CLI inside the sandbox holds a placeholder key and talks to this gateway; the gateway
// replaces the credential headers with the real ones and forwards to the one fixed upstream.
// It never forwards anywhere else, so the key can be used by the agent but not read by it.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Server as NetServer } from 'node:net'
import type { BudgetRefusal, ModelMeter } from '../usage/ledger.js'
import { tapUsage } from '../usage/usage-tap.js'
import { modelRequest } from '../metrics/metrics.js'
import { refusedPath } from './gateway-paths.js'
import { RequestSlots } from './request-slots.js'
import type { ModelFailure } from './sandbox.js'
import { listenOnSocket, withoutHopByHop, type SocketServer } from './socket-server.js'

/** The real credential, as the CLI would have sent it. */
export interface ModelCredentials {
  /** Sent as `x-api-key` (ANTHROPIC_API_KEY). */
  apiKey?: string
  /** Sent as `authorization: Bearer` (ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN). */
  bearer?: string
}

export interface ModelGatewayOptions {
  socketPath: string
  /** The model API, e.g. `https://api.anthropic.com` (a path prefix is kept). */
  upstream: URL
  credentials: ModelCredentials
  /** Added to every request forwarded, over what the client sent (ANTHROPIC_CUSTOM_HEADERS). @default [] */
  headers?: readonly (readonly [string, string])[]
  onError?: (err: Error) => void
  /** Told about each call the upstream failed: unreachable, or an HTTP error status. */
  onUpstreamFailure?: (failure: ModelFailure) => void
  /** Counts what the answers used and refuses requests once a budget is reached. */
  meter?: ModelMeter | undefined
  /** Told about each request refused for a budget. */
  onBudgetRefused?: ((refusal: BudgetRefusal) => void) | undefined
}

export interface ModelGateway extends SocketServer {
  /** Serves the connections of a listener made inside the sandbox and handed over (see
   * launcher.cjs): the CLI reaches the gateway directly, with no relay process between. */
  accept(listener: NetServer): void
}

/** What a metered request may be answered in: what usage-tap.ts decodes. */
const READABLE = new Set(['gzip', 'deflate', 'br', 'identity'])

/** The client's Accept-Encoding without the codings the usage tap cannot read (`identity`
 * when none is left). */
function readableEncodings(asked: string | undefined): string {
  const kept = (asked ?? '').split(',').filter((part) => {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase())
    return READABLE.has(coding) && !params.some((p) => /^q=0(\.0*)?$/.test(p))
  })
  return kept.length > 0 ? kept.map((p) => p.trim()).join(', ') : 'identity'
}

/** Whatever credential the sandboxed client sent is dropped: only ours goes upstream. */
const CLIENT_CREDENTIAL_HEADERS = ['x-api-key', 'authorization', 'host']

function apiError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message } }))
}

const dollars = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`

/** An Anthropic-shaped 400 that the CLI reports and does not retry (`x-should-retry: false`). */
function budgetRefused(res: ServerResponse, refusal: BudgetRefusal): void {
  const who = refusal.scope === 'session' ? `Session ${refusal.id}` : `Principal ${refusal.id}`
  const message =
    `budget_exceeded: ${who} has spent ${dollars(refusal.spentUsd)} of its ${dollars(refusal.limitUsd)} model budget; ` +
    'the server refuses further model requests until the budget is raised'
  res.writeHead(400, { 'content-type': 'application/json', 'x-should-retry': 'false' })
  res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }))
}

/** What the answer brings in one turn of the event loop leaves in one write to the CLI: its
 * last chunk and the chunked body's end (the next tick) would be two, and two wake-ups of the
 * CLI, with the end (which the CLI waits for) the later. Returns the release, for the answer's
 * end: the end goes out before the usage it reported is counted (a SQLite commit). */
function corkPerTick(answer: IncomingMessage, res: ServerResponse): () => void {
  let held = false
  const release = () => {
    if (!held) return
    held = false
    res.socket?.uncork()
  }
  answer.on('data', () => {
    if (held || !res.socket) return
    held = true
    res.socket.cork()
    setImmediate(release)
  })
  return release
}

/**
 * Starts the gateway.
 *
 * @example
 * const gateway = startModelGateway({ socketPath, upstream: new URL('https://api.anthropic.com'),
 *   credentials: { apiKey: process.env.ANTHROPIC_API_KEY } })
 */
export function startModelGateway(options: ModelGatewayOptions): ModelGateway {
  const { upstream, credentials } = options
  const prefix = upstream.pathname.replace(/\/+$/, '')
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest
  // Named in failures: the real endpoint, never the loopback address the CLI sees inside.
  const endpoint = `${upstream.origin}${prefix}`
  const failed = options.onUpstreamFailure ?? (() => {})
  const { meter } = options
  const slots = new RequestSlots()
  const countFailed = (err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err)))
  const record = (answer: IncomingMessage) =>
    tapUsage(answer, (metered) => {
      if (meter) meter.record(metered).catch(countFailed)
    })

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? ''
    // Origin-form only: an absolute or authority form could name another host.
    if (!path.startsWith('/')) return apiError(res, 400, 'The sandbox model gateway only forwards to the model API')
    const refused = refusedPath(path)
    if (refused) {
      req.resume()
      res.writeHead(refused.status, { 'content-type': 'application/json', 'x-should-retry': 'false' })
      return void res.end(JSON.stringify({ type: 'error', error: { type: refused.type, message: refused.message } }))
    }
    if (!meter) return forward(req, res, path)
    let gone = false
    res.once('close', () => (gone = true))
    void slots.take().then((release) => {
      // Held until its answer is over; one whose client went while it waited goes at once.
      if (gone) return release()
      res.once('close', release)
      admit(meter, req, res, path)
    })
  })

  function admit(meter: ModelMeter, req: IncomingMessage, res: ServerResponse, path: string): void {
    // The socket is the session's identity: nothing the request says changes whose budget it is.
    meter.admit().then(
      (refusal) => {
        if (!refusal) return forward(req, res, path)
        options.onBudgetRefused?.(refusal)
        req.resume()
        budgetRefused(res, refusal)
      },
      (err: unknown) => {
        // Budgets that cannot be read are not a reason to spend past them.
        countFailed(err)
        req.resume()
        apiError(res, 503, 'The server could not check the model budget; try again')
      },
    )
  }

  function forward(req: IncomingMessage, res: ServerResponse, path: string): void {
    const headers = withoutHopByHop(req.headers)
    for (const name of CLIENT_CREDENTIAL_HEADERS) delete headers[name]
    for (const [name, value] of options.headers ?? []) headers[name.toLowerCase()] = value
    // An answer in an encoding the usage tap cannot decode (zstd) would be counted as nothing.
    if (meter) headers['accept-encoding'] = readableEncodings(req.headers['accept-encoding'])
    if (credentials.apiKey) headers['x-api-key'] = credentials.apiKey
    if (credentials.bearer) headers['authorization'] = `Bearer ${credentials.bearer}`
    const upstreamRequest = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
        port: upstream.port || undefined,
        method: req.method,
        path: `${prefix}${path}`,
        headers: { ...headers, host: upstream.host },
      },
      (answer) => {
        const status = answer.statusCode ?? 502
        modelRequest(status)
        if (status >= 400) failed({ upstream: endpoint, status, cause: `answered HTTP ${status}` })
        res.writeHead(status, withoutHopByHop(answer.headers))
        const release = corkPerTick(answer, res)
        // An answer cut short must cut the CLI's too: pipe() would leave it open, waiting.
        answer.on('close', () => {
          if (!answer.complete) res.destroy()
        })
        answer.pipe(res)
        // After pipe's own: the response has ended by then.
        answer.on('end', release)
        // Last: the usage is counted once the CLI has its answer.
        if (meter && status < 300) record(answer)
      },
    )
    let clientGone = false
    upstreamRequest.on('error', (err) => {
      // The CLI hung up first (an interrupt): not the upstream's failure.
      if (clientGone || res.headersSent) return void res.destroy()
      modelRequest('unreachable')
      failed({ upstream: endpoint, cause: err.message })
      // The CLI shows this message in its error: it names the real endpoint and the cause.
      apiError(res, 502, `The model API at ${endpoint} could not be reached: ${err.message}`)
    })
    res.on('close', () => {
      clientGone = !res.writableFinished
      upstreamRequest.destroy()
    })
    req.pipe(upstreamRequest)
  }
  const onError = options.onError ?? (() => {})
  const socketServer = listenOnSocket(server, options.socketPath, new Set(), onError)
  const handed = new Set<NetServer>()
  let closing = false
  return {
    socketPath: socketServer.socketPath,
    accept(listener) {
      if (closing) return void listener.close()
      handed.add(listener)
      listener.on('error', onError)
      listener.on('connection', (socket) => {
        // The answer streams in small writes (SSE events): none may wait for an ACK.
        socket.setNoDelay(true)
        server.emit('connection', socket)
      })
    },
    close() {
      closing = true
      for (const listener of handed) listener.close()
      return socketServer.close()
    },
  }
}
