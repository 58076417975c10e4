// The HTTP server: routing, request recording and lifecycle. The Anthropic side lives in
// messages-route.ts, the control side in control-routes.ts.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ScenarioPlayer } from './conversation.js'
import type { UnusedReply } from './conversation.js'
import { handleControl } from './control-routes.js'
import { readBody, sendApiError, sendJson } from './http.js'
import { handleMessages } from './messages-route.js'
import { RequestLog, redactHeaders } from './recorder.js'
import type { RecordedRequest } from './recorder.js'
import type { Scenario } from './scenario.js'
import { validateScenario } from './validate.js'

export interface StartOptions {
  /** @default no scripts: every prompt gets the fallback `You said: <prompt>` */
  scenario?: Scenario
  /** @default 0 (a free port) */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /** Oldest requests are dropped past this many. @default 1000 */
  maxRecordedRequests?: number
}

/** A running scripted model. */
export interface ScriptedModel {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  readonly port: number
  /** Every request received (control routes excepted), credentials redacted. A live array. */
  readonly requests: readonly RecordedRequest[]
  /** Errors thrown by reply functions (e.g. failed asserts on the request). A live array. */
  readonly failures: readonly Error[]
  /** Validates and installs a scenario; conversation progress starts over. Throws ScenarioError. */
  setScenario(scenario: Scenario): void
  /** Forgets requests, failures and progress; keeps the scenario. */
  reset(): void
  /** Scripted replies no request has consumed yet: `[]` once the scenario was fully played. */
  unusedReplies(): UnusedReply[]
  /** Stops the server, cutting off replies in flight. */
  close(): Promise<void>
}

/**
 * Starts an Anthropic Messages API compatible server that plays a scenario.
 *
 * @example
 * const model = await startScriptedModel({
 *   scenario: { scripts: [{ replies: [{ content: [{ type: 'text', text: 'Hello!' }] }] }] },
 * });
 * // run the CLI with ANTHROPIC_BASE_URL=model.url, ANTHROPIC_API_KEY=anything
 * assert.deepEqual(model.unusedReplies(), []);
 * await model.close();
 */
export async function startScriptedModel(options: StartOptions = {}): Promise<ScriptedModel> {
  // Long on purpose: the request handler and the returned controls share the player and the request log.
  const { scenario = { scripts: [] }, port = 0, host = '127.0.0.1', maxRecordedRequests = 1000 } = options
  let player = new ScenarioPlayer(validateScenario(scenario))
  const log = new RequestLog(maxRecordedRequests)
  const failures: Error[] = []
  const closing = new AbortController()

  const model: ScriptedModel = {
    url: '',
    port: 0,
    requests: log.entries,
    failures,
    setScenario(next) {
      player = new ScenarioPlayer(validateScenario(next))
    },
    reset() {
      log.clear()
      failures.length = 0
      player = new ScenarioPlayer(player.scenario)
    },
    unusedReplies: () => player.unusedReplies(),
    close: () => stop(),
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const body = parseBody(await readBody(req))
    if (handleControl(model, method, path, body, res)) return
    const recorded = log.add({
      at: new Date().toISOString(),
      method,
      path: req.url ?? '/',
      headers: redactHeaders(req.headers),
      body,
      kind: 'other',
    })
    if (path === '/v1/messages') {
      if (method !== 'POST') return sendApiError(res, 405, 'invalid_request_error', `Use POST for ${path}`)
      const hangUp = new AbortController()
      res.on('close', () => hangUp.abort())
      const signal = AbortSignal.any([hangUp.signal, closing.signal])
      return handleMessages({ player, failures, signal }, recorded, res)
    }
    // The CLI's connectivity check (only made when nonessential traffic is enabled).
    if (path === '/api/hello') return sendJson(res, 200, {})
    sendApiError(res, 404, 'not_found_error', `No route for ${method} ${path}`)
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const tooLarge = error instanceof Error && error.message === 'too_large'
      if (res.headersSent) return void res.destroy()
      if (tooLarge) return sendApiError(res, 413, 'request_too_large', 'Request body too large')
      sendApiError(res, 500, 'api_error', `Scripted model failed: ${String(error)}`)
    })
  })

  async function stop(): Promise<void> {
    closing.abort()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const shownHost = host.includes(':') ? `[${host}]` : host
  return Object.assign(model, { port: address.port, url: `http://${shownHost}:${address.port}` })
}

/** JSON if it parses, the raw text if not (a 400 later), undefined when empty. */
function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
