// The E2B control plane (api.e2b.app) as the e2b SDK calls it: create, list with metadata,
// info, set timeout, pause, connect (which resumes a paused sandbox), kill. Bodies and statuses
// as the SDK reads them.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { FakeSandbox, ENVD_VERSION } from './sandbox.js'
import type { FakeState } from './state.js'
import { readJson, sendEmpty, sendError, sendJson } from './http.js'

const DEFAULT_TIMEOUT_S = 300

export async function handleControlPlane(state: FakeState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://fake')
  const method = request.method ?? 'GET'
  const path = url.pathname
  let match: RegExpExecArray | null
  if (!state.authorized(request, response)) return

  if (method === 'POST' && path === '/v2/sandboxes') return create(state, request, response)
  if (method === 'GET' && path === '/v2/sandboxes') return list(state, url, response)
  if ((match = /^\/sandboxes\/([^/]+)$/.exec(path)) && method === 'GET') {
    if (await state.faulted('info', response, { sandboxId: match[1]! })) return
    return withSandbox(state, match[1]!, response, (sandbox) => sendJson(response, 200, { ...describe(sandbox), ...listed(sandbox) }))
  }
  if ((match = /^\/sandboxes\/([^/]+)\/timeout$/.exec(path)) && method === 'POST') {
    const sandboxId = match[1]!
    if (await state.faulted('timeout', response, { sandboxId })) return
    const { timeout } = await readJson(request)
    return withSandbox(state, sandboxId, response, (sandbox) => {
      sandbox.extend(Number(timeout))
      sendEmpty(response)
    })
  }
  if ((match = /^\/sandboxes\/([^/]+)\/pause$/.exec(path)) && method === 'POST') {
    const sandboxId = match[1]!
    if (await state.faulted('pause', response, { sandboxId })) return
    return withSandbox(state, sandboxId, response, (sandbox) => {
      if (sandbox.state === 'paused') return sendError(response, 409, `Sandbox ${sandboxId} is already paused`)
      void sandbox.pause().then(() => sendEmpty(response))
    })
  }
  if ((match = /^\/v2\/sandboxes\/([^/]+)\/connect$/.exec(path)) && method === 'POST') {
    const sandboxId = match[1]!
    if (await state.faulted('connect', response, { sandboxId })) return
    const { timeout } = await readJson(request)
    return withSandbox(state, sandboxId, response, (sandbox) => {
      const seconds = typeof timeout === 'number' ? timeout : DEFAULT_TIMEOUT_S
      const resumed = sandbox.state === 'paused'
      if (resumed) sandbox.resume(seconds)
      else sandbox.extend(seconds)
      sendJson(response, resumed ? 201 : 200, describe(sandbox))
    })
  }
  if ((match = /^\/sandboxes\/([^/]+)$/.exec(path)) && method === 'DELETE') {
    const sandboxId = match[1]!
    if (await state.faulted('kill', response, { sandboxId })) return
    const sandbox = state.sandboxes.get(sandboxId)
    if (!sandbox || sandbox.state === 'killed') return sendError(response, 404, `Sandbox ${sandboxId} not found`)
    await sandbox.kill('kill')
    return sendEmpty(response)
  }
  sendError(response, 404, `no route ${method} ${path}`)
}

async function create(state: FakeState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (await state.faulted('create', response)) return
  const body = await readJson(request)
  const templateId = String(body['templateID'])
  const template = state.templates[templateId]
  if (!template) return sendError(response, 404, `template '${templateId}' not found`)
  const timeout = typeof body['timeout'] === 'number' ? body['timeout'] : DEFAULT_TIMEOUT_S
  const metadata = (body['metadata'] ?? {}) as Record<string, string>
  const sandbox = await FakeSandbox.create(templateId, template, metadata, state.baseDir, timeout)
  state.sandboxes.set(sandbox.id, sandbox)
  sendJson(response, 201, describe(sandbox))
}

async function list(state: FakeState, url: URL, response: ServerResponse): Promise<void> {
  if (await state.faulted('list', response)) return
  // openapi-fetch sends an array as repeated parameters (`state=running&state=paused`).
  const asked = url.searchParams.getAll('state').flatMap((value) => value.split(','))
  const states = asked.length ? asked : ['running', 'paused']
  // The SDK encodes each key and value, then the pairs as one query value.
  const wanted = [...new URLSearchParams(url.searchParams.get('metadata') ?? '')].map(([k, v]) => [
    decodeURIComponent(k),
    decodeURIComponent(v),
  ])
  const found = [...state.sandboxes.values()].filter(
    (sandbox) => states.includes(sandbox.state) && wanted.every(([key, value]) => sandbox.metadata[key!] === value),
  )
  sendJson(response, 200, found.map(listed))
}

function withSandbox(state: FakeState, id: string, response: ServerResponse, then: (sandbox: FakeSandbox) => void): void {
  const sandbox = state.sandboxes.get(id)
  if (!sandbox || sandbox.state === 'killed') return sendError(response, 404, `Sandbox ${id} not found`)
  then(sandbox)
}

/** What create and connect answer. */
function describe(sandbox: FakeSandbox) {
  return {
    sandboxID: sandbox.id,
    templateID: sandbox.templateId,
    clientID: 'fake-client',
    envdVersion: ENVD_VERSION,
    envdAccessToken: sandbox.envdAccessToken,
    domain: null,
  }
}

/** A sandbox as list and info show it. */
function listed(sandbox: FakeSandbox) {
  return {
    sandboxID: sandbox.id,
    templateID: sandbox.templateId,
    alias: sandbox.templateId,
    clientID: 'fake-client',
    startedAt: sandbox.startedAt.toISOString(),
    endAt: sandbox.endAt.toISOString(),
    cpuCount: 2,
    memoryMB: 2048,
    diskSizeMB: 10240,
    metadata: sandbox.metadata,
    state: sandbox.state,
    envdVersion: ENVD_VERSION,
  }
}
