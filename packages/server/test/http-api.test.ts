// The HTTP API in process (Hono's `app.request()`, the real parts behind it): the OpenAPI
// document and the routes are the same set, every answer parses with the protocol's schema,
// and the edge (auth, escapes, methods) answers in the wire shape here as over a socket.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CLIENT_FRAME_TYPES,
  CreateSessionResponseSchema,
  DeleteSessionResponseSchema,
  GetConfigResponseSchema,
  GetSessionResponseSchema,
  HealthResponseSchema,
  ListSessionsResponseSchema,
  PermissionEventsResponseSchema,
  PostConfigResponseSchema,
  SERVER_FRAME_TYPES,
  SessionEventsResponseSchema,
  WireErrorSchema,
  frameJsonSchemas,
  openApiDocument,
  openApiPath,
} from '@claude-agent/protocol'
import type { ZodType } from 'zod'
import { startStack, type Stack } from './helpers/stack.js'

const TOKEN = 'tok-http-api-0123456789abcdef'
const AUTH = { authorization: `Bearer ${TOKEN}` }

describe('the HTTP API, in process', () => {
  let stack: Stack
  before(async () => {
    stack = await startStack({ settings: { authTokens: [{ label: 'api', token: TOKEN }], prewarm: false } })
  })
  after(() => stack.close())

  const request = (path: string, init: RequestInit = {}) =>
    stack.server.http.request(path, { ...init, headers: { ...AUTH, ...init.headers } })
  async function answer<T>(schema: ZodType<T>, path: string, init: RequestInit = {}, status = 200): Promise<T> {
    const res = await request(path, init)
    const body: unknown = await res.json()
    assert.equal(res.status, status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(body)}`)
    const parsed = schema.safeParse(body)
    assert.ok(parsed.success, `${init.method ?? 'GET'} ${path} answers its schema: ${parsed.error?.message}`)
    return parsed.data
  }
  const post = (body: unknown): RequestInit => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })

  it('documents every route, and every documented operation is a route', () => {
    const served = new Set(stack.server.http.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${openApiPath(r.path)}`))
    const paths = openApiDocument()['paths'] as Record<string, Record<string, unknown>>
    const documented = new Set(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)))
    assert.deepEqual(
      [...served].filter((r) => !documented.has(r)),
      [],
      'routes missing from /openapi.json',
    )
    assert.deepEqual(
      [...documented].filter((r) => !served.has(r)),
      [],
      'documented operations the server does not serve',
    )
    assert.ok(served.size >= 17)
  })

  it('serves the OpenAPI 3.1 document, and a JSON Schema for every frame', async () => {
    const res = await request('/openapi.json')
    assert.equal(res.status, 200)
    const doc = (await res.json()) as Record<string, unknown>
    assert.equal(doc['openapi'], '3.1.0')
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument())))
    const frames = frameJsonSchemas()
    assert.deepEqual(Object.keys(frames.client).sort(), [...CLIENT_FRAME_TYPES].sort())
    assert.deepEqual(Object.keys(frames.server).sort(), [...SERVER_FRAME_TYPES].sort())
    // Each frame is an object, or a choice of objects (permission_response: allow or deny).
    const objects = (schema: Record<string, unknown>): boolean =>
      schema['type'] === 'object' || (Array.isArray(schema['oneOf']) && (schema['oneOf'] as Array<Record<string, unknown>>).every(objects))
    for (const [type, schema] of Object.entries({ ...frames.client, ...frames.server, ...frames.watch }))
      assert.ok(objects(schema), `${type}: ${JSON.stringify(schema).slice(0, 200)}`)
  })

  it("answers every session and config route with the protocol's response schema", async () => {
    assert.deepEqual(await answer(HealthResponseSchema, '/health'), { ok: true, demo: false })
    const posted = await answer(PostConfigResponseSchema, '/config', post({ model: 'm', agents: { a: { description: 'd', name: 'x' } } }))
    assert.deepEqual(posted.dropped, ['agents.a.name'])
    assert.equal((await answer(GetConfigResponseSchema, '/config')).session.id, 'default')
    const created = await answer(CreateSessionResponseSchema, '/sessions', post({ id: 'api-1' }), 201)
    assert.equal(created.session.id, 'api-1')
    assert.ok((await answer(ListSessionsResponseSchema, '/sessions')).sessions.some((s) => s.id === 'api-1'))
    assert.equal((await answer(GetSessionResponseSchema, '/sessions/api-1')).session.run, null)
    assert.equal((await answer(SessionEventsResponseSchema, '/sessions/api-1/events?after=0&limit=5')).hasMore, false)
    await answer(PermissionEventsResponseSchema, '/sessions/api-1/permissions')
    assert.deepEqual(await answer(DeleteSessionResponseSchema, '/sessions/api-1', { method: 'DELETE' }), { deleted: 'api-1' })
  })

  it('answers the edge in the wire shape: no token, bad escapes, other methods, unknown paths, big bodies', async () => {
    const noToken = await stack.server.http.request('/health')
    assert.equal(noToken.status, 401)
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer')
    assert.equal((await answer(WireErrorSchema, '/sessions/%zz', {}, 400)).code, 'INVALID_REQUEST')
    assert.equal((await answer(WireErrorSchema, '/files?path=%E0%A4%A', {}, 400)).code, 'INVALID_REQUEST')
    assert.equal((await answer(WireErrorSchema, '/nope', {}, 404)).code, 'NOT_FOUND')
    const patch = await request('/sessions/default', { method: 'PATCH' })
    assert.equal(patch.status, 405)
    assert.equal(patch.headers.get('allow'), 'GET, DELETE')
    assert.equal(((await patch.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED')
    assert.equal((await request('/health', { method: 'HEAD' })).status, 405)
    const big = await answer(WireErrorSchema, '/config', post({ model: 'x'.repeat(2 * 1024 * 1024) }), 413)
    assert.equal(big.code, 'BODY_TOO_LARGE')
    assert.equal((await answer(WireErrorSchema, '/config', { method: 'POST', body: '{' }, 400)).code, 'BAD_JSON')
  })
})
