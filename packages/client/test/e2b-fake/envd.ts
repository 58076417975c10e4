// envd, the agent inside each E2B sandbox, as the e2b SDK reaches it through one sandbox URL
// (E2B_SANDBOX_URL) with the `E2b-Sandbox-Id` header: /health, /files (read, multipart write) and
// the Connect call process.Process/Start that runs a command and streams its output.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readConnectRequest, openConnectStream } from './connect-stream.js'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { readBody, sendEmpty, sendError, sendJson } from './http.js'
import type { FakeSandbox } from './sandbox.js'
import type { FakeState } from './state.js'

export async function handleEnvd(state: FakeState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://fake')
  const method = request.method ?? 'GET'
  const sandboxId = String(request.headers['e2b-sandbox-id'] ?? '')
  if (await state.faulted('envd', response, { sandboxId, detail: `${method} ${url.pathname}` })) return
  const sandbox = state.sandboxes.get(sandboxId)
  // E2B's edge answers 502 for a sandbox that is not running (paused, killed, timed out).
  if (!sandbox || sandbox.state !== 'running') return sendError(response, 502, `The sandbox ${sandboxId} was not found`)
  if (request.headers['x-access-token'] !== sandbox.envdAccessToken) return sendError(response, 401, 'invalid access token')

  if (method === 'GET' && url.pathname === '/health') return sendEmpty(response)
  if (url.pathname === '/files' && method === 'GET') return readSandboxFile(sandbox, url, response)
  if (url.pathname === '/files' && method === 'POST') return writeSandboxFiles(sandbox, url, request, response)
  if (url.pathname === '/process.Process/Start' && method === 'POST') return startProcess(sandbox, request, response)
  sendError(response, 404, `no route ${method} ${url.pathname}`)
}

async function readSandboxFile(sandbox: FakeSandbox, url: URL, response: ServerResponse): Promise<void> {
  const path = url.searchParams.get('path') ?? ''
  try {
    const data = await readFile(sandbox.hostPath(path))
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length })
    response.end(data)
  } catch {
    sendError(response, 404, `path '${path}' does not exist`)
  }
}

async function writeSandboxFiles(sandbox: FakeSandbox, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request)
  const form = await new Response(body, { headers: { 'content-type': String(request.headers['content-type']) } }).formData()
  const written = []
  for (const [, value] of form.entries()) {
    if (typeof value === 'string') continue
    const path = url.searchParams.get('path') ?? value.name
    const target = sandbox.hostPath(path)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, Buffer.from(await value.arrayBuffer()))
    written.push({ name: basename(path), type: 'file', path })
  }
  sendJson(response, 200, written)
}

async function startProcess(sandbox: FakeSandbox, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const message = await readConnectRequest(request)
  const config = (message['process'] ?? {}) as { cmd?: string; args?: string[]; envs?: Record<string, string>; cwd?: string }
  // The SDK runs `/bin/bash -l -c <command>`; the command is the last argument.
  const command = config.args?.at(-1)
  if (config.cmd !== '/bin/bash' || !command) return sendError(response, 400, 'expected /bin/bash -l -c <command>')
  const stream = openConnectStream(response)
  sandbox.startProcess(command, config.envs ?? {}, config.cwd, { ...stream, cut: () => response.destroy() })
}
