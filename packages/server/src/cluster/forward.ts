// Forwarding: a node that does not own a session passes its HTTP requests and WebSocket
// upgrades to the node that does, byte for byte, with the client's credentials unchanged and
// the hop header added. A request that carries the hop header already is never forwarded
// again (it is served, or refused, where it lands), so two nodes that disagree cannot loop.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { ServerError } from '../errors.js'
import { clientHost } from '../http/client-host.js'
import { decodeComponent } from '../http/request-target.js'
import { sendError, sendRawError } from '../http/respond.js'

export const HOP_HEADER = 'x-claude-agent-forwarded-by'

/** Where a session's requests go: another node's base URL, or undefined to serve them here.
 * `forwarded`: the request was forwarded once already, so it may not go on (then a session
 * another node owns throws LEASE_LOST: it moved meanwhile, and the client retries). */
export type Locate = (sessionId: string, forwarded: boolean) => Promise<string | undefined>

/** Headers that belong to one connection, not to the request (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'])

/** The session a request path names (/ws is the default session's socket); undefined for any
 * other path, or one whose id does not decode (served, and refused, locally). */
export function sessionOfPath(path: string, defaultSessionId: string): string | undefined {
  const pathname = path.split('?', 1)[0]!
  if (pathname === '/ws') return defaultSessionId
  const match = /^\/sessions\/([^/]+)(?:\/|$)/.exec(pathname)
  if (!match) return undefined
  try {
    return decodeComponent(match[1]!, 'path')
  } catch {
    return undefined
  }
}

function forwardHeaders(headers: IncomingHttpHeaders, self: string, keepUpgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || (HOP_BY_HOP.has(name) && !(keepUpgrade && (name === 'upgrade' || name === 'connection')))) continue
    out[name] = value
  }
  out[HOP_HEADER] = self
  return out
}

/** A request's headers as they go to the owner. The owner sees its own address as Host, so the
 * host the client reached goes as X-Forwarded-Host (unless a proxy in front already set it):
 * a page served by the node it reached is same-origin there, and so on the owner. */
function requestHeaders(req: IncomingMessage, self: string, keepUpgrade: boolean): Record<string, string | string[]> {
  const out = forwardHeaders(req.headers, self, keepUpgrade)
  const host = clientHost(req)
  if (out['x-forwarded-host'] === undefined && host !== undefined) out['x-forwarded-host'] = host
  return out
}

const unreachable = (node: string, err: unknown) =>
  new ServerError('NODE_UNREACHABLE', `The node that owns this session (${node}) did not answer; retry shortly`, {
    reason: (err as NodeJS.ErrnoException)?.code ?? 'error',
  })

export interface ForwarderOptions {
  /** This node's id: the hop header's value. */
  self: string
  defaultSessionId: string
  locate: Locate
}

export class Forwarder {
  constructor(private readonly options: ForwarderOptions) {}

  /** The owner's base URL when this request is to be forwarded. */
  private async target(req: IncomingMessage): Promise<string | undefined> {
    // Origin form only: the owner's address is ours to choose, never the request's.
    if (!req.url?.startsWith('/') || req.url.startsWith('//')) return undefined
    const id = sessionOfPath(req.url, this.options.defaultSessionId)
    if (id === undefined) return undefined
    const forwarded = req.headers[HOP_HEADER] !== undefined
    const base = await this.options.locate(id, forwarded)
    return forwarded ? undefined : base
  }

  /** Forwards the request when another node owns its session; false: serve it here. */
  async http(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const base = await this.target(req)
    if (base === undefined) return false
    this.pipeHttp(req, res, base)
    return true
  }

  /** Forwards `req` (any path) to `base`: used for a create placed on another node too. */
  pipeHttp(req: IncomingMessage, res: ServerResponse, base: string): void {
    const upstream = httpRequest(new URL(`${base}${req.url!}`), {
      method: req.method,
      headers: requestHeaders(req, this.options.self, false),
    })
    upstream.on('response', (answer) => {
      const headers = forwardHeaders(answer.headers, this.options.self, false)
      delete headers[HOP_HEADER]
      res.writeHead(answer.statusCode ?? 502, headers)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', (err) => sendError(res, unreachable(base, err)))
    // The client went: so does the request upstream (a stream, an exec, a watch).
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  }

  /** Forwards the upgrade when another node owns its session; false: serve it here. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const base = await this.target(req)
    if (base === undefined) return false
    const upstream = httpRequest(new URL(`${base}${req.url!}`), {
      method: req.method,
      headers: requestHeaders(req, this.options.self, true),
    })
    upstream.on('upgrade', (answer, upSocket, upHead) => {
      socket.write(statusLines(answer))
      if (upHead.length > 0) socket.write(upHead)
      if (head.length > 0) upSocket.write(head)
      splice(socket, upSocket)
    })
    // A refusal (401, 404, ...) passes as it came, then the socket closes.
    upstream.on('response', (answer) => {
      socket.write(statusLines(answer))
      answer.pipe(socket)
    })
    upstream.on('error', (err) => sendRawError(socket, unreachable(base, err)))
    socket.on('close', () => upstream.destroy())
    upstream.end()
    return true
  }
}

/** The answer's status line and headers as raw bytes. */
function statusLines(answer: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage ?? ''}`]
  for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** Both ways until either side ends; an end on one side ends the other. */
function splice(a: Duplex, b: Duplex): void {
  a.pipe(b)
  b.pipe(a)
  const end = () => {
    a.destroy()
    b.destroy()
  }
  a.on('error', end).on('close', end)
  b.on('error', end).on('close', end)
}
