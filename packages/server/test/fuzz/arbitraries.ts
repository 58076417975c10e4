// Generators (fast-check) of malformed input for the fuzz suite: WebSocket frames and HTTP
// requests as raw bytes. None of them may start an agent: frames that would (a valid prompt,
// a control request the CLI answers) are filtered out, so thousands run in seconds.
import { parseClientFrame } from '@claude-agent/protocol'
import fc from 'fast-check'

/** Control requests the session answers itself, without starting the CLI. */
const LOCAL_CONTROLS = new Set(['interrupt', 'set_model', 'set_permission_mode'])

/** Whether a frame (as the server will decode it) would start the agent. */
export function startsAgent(text: string): boolean {
  const parsed = parseClientFrame(text)
  if (!parsed.ok) return false
  const frame = parsed.value
  return frame.type === 'user_message' || (frame.type === 'control' && !LOCAL_CONTROLS.has(frame.request.subtype))
}

export const BAD_ESCAPES = ['%zz', '%', '%uD83D', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%F', '%%41']
const TRAVERSALS = [
  '..',
  '../..',
  '../outside/canary.txt',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '%252e%252e',
  '/etc/passwd',
  'link-out/canary.txt',
  'link-file',
  'link-out',
  'link-out/new.txt',
  'a%00b',
  '%00',
  '.%00.',
  'link-out%2fcanary.txt',
  '....//',
  '..\\..\\',
]

/** Strings that break things: traversal, escapes, NUL, unicode, huge, empty. */
export const nasty = fc.oneof(
  fc.constantFrom(
    ...TRAVERSALS,
    ...BAD_ESCAPES,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud83d',
    '\uffff',
    '💥',
    '__proto__',
    'constructor',
    'default',
    'null',
    '-1',
    '1e309',
    '0x10',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer().map(String),
  fc.nat({ max: 9000 }).map((n) => 'x'.repeat(n)),
)

function escapeForUrl(text: string): string {
  try {
    return encodeURIComponent(text).replaceAll('%25', '%')
  } catch {
    return '%ED%A0%BD' // a lone surrogate: what it would be as (invalid) UTF-8
  }
}

/** A nasty string usable inside a URL (spaces and control bytes escaped, so Node's parser
 * reads the request line; the escapes themselves may be malformed on purpose). */
export const urlPart = fc.oneof(
  fc.constantFrom(...TRAVERSALS, ...BAD_ESCAPES, '', 'default', 'fuzz', 'nope', '%2F', '%00', '%ff', '%C3%A9', 'a+b', '%2B'),
  // Escaped so the request line parses, with every `%` left raw: malformed escapes survive.
  nasty.map((s) => escapeForUrl(s.slice(0, 200))),
  fc.string({ unit: fc.constantFrom(...'abc%/.?&=#;+~'.split('')), maxLength: 24 }),
)

// ---- WebSocket frames ----

const FRAME_TYPES = ['user_message', 'interrupt', 'permission_response', 'control']

const wrongTyped = fc.record(
  {
    type: fc.constantFrom(...FRAME_TYPES),
    data: fc.anything(),
    request: fc.anything(),
    requestId: fc.anything(),
    id: fc.anything(),
    decision: fc.anything(),
  },
  { requiredKeys: ['type'] },
)
const unknownType = fc.record({ type: fc.oneof(nasty, fc.anything()), data: fc.anything() }, { requiredKeys: [] })
const brokenPrompt = fc.record({
  type: fc.constant('user_message'),
  data: fc.record(
    {
      type: fc.constantFrom('user', 'assistant', 7, null),
      message: fc.oneof(
        fc.anything(),
        fc.record({ role: fc.constantFrom('user', 'system'), content: fc.oneof(fc.integer(), fc.constant([]), fc.anything()) }),
      ),
      uuid: nasty,
    },
    { requiredKeys: [] },
  ),
})
const permissionAnswer = fc.record(
  {
    type: fc.constant('permission_response'),
    requestId: nasty,
    decision: fc.constantFrom('allow', 'deny', 'maybe', 1),
    scope: nasty,
    message: nasty,
  },
  { requiredKeys: ['type'] },
)
const control = fc.record({
  type: fc.constant('control'),
  id: fc.oneof(nasty, fc.integer()),
  request: fc.oneof(
    fc.record(
      {
        subtype: fc.constantFrom('interrupt', 'set_model', 'set_permission_mode', 'launch'),
        model: nasty,
        mode: fc.constantFrom('plan', 'default', 'yolo', 3),
      },
      { requiredKeys: ['subtype'] },
    ),
    fc.anything(),
  ),
})
const deep = fc.tuple(fc.integer({ min: 50, max: 7000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}'
  return `{"type":"user_message","data":${open.repeat(depth)}1${close.repeat(depth)}}`
})
const hugeField = fc
  .tuple(fc.constantFrom(...FRAME_TYPES, 'x'), fc.integer({ min: 8_000, max: 15_000 }))
  .map(([type, n]) => JSON.stringify({ type, data: 'y'.repeat(n) }))
/** Over the soft frame limit (FRAME_TOO_LARGE), under the hard one: `limit` bytes and up. */
const overSoftLimit = (limit: number) => fc.integer({ min: limit + 1, max: limit * 3 }).map((n) => `{"type":"x","pad":"${'z'.repeat(n)}"}`)
const badJson = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)) + '\u0000'),
  fc.json().map((j) => `${j},`),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    'null',
    'true',
    '[]',
    '{}',
    '"x"',
    '{"type":}',
    '{"type":"interrupt"',
    'NaN',
    '1e999',
    '{"__proto__":{"type":"interrupt"}}',
    '{"type":"user_message","type":"interrupt"}',
  ),
)

/** One frame that gets exactly one answer (an error frame, or a control_response). */
export function answerableFrame(softLimit: number): fc.Arbitrary<{ text: string; binary: boolean }> {
  const text = fc.oneof(
    { weight: 3, arbitrary: badJson },
    {
      weight: 3,
      arbitrary: fc.oneof(wrongTyped, unknownType, brokenPrompt, permissionAnswer, control).map((v) => JSON.stringify(v) ?? 'undefined'),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: hugeField },
    { weight: 1, arbitrary: overSoftLimit(softLimit) },
    { weight: 1, arbitrary: fc.constantFrom('{"type":"interrupt"}', '{"type":"interrupt","extra":1}') },
  )
  return fc
    .tuple(text, fc.boolean())
    .map(([t, binary]) => ({ text: t, binary }))
    .filter(({ text: t }) => !startsAgent(t))
}

/** Bytes that are not valid UTF-8, for a text frame (the server closes with 1007). */
export const invalidUtf8 = fc
  .tuple(
    fc.string({ maxLength: 30 }),
    fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80]),
  )
  .map(([prefix, bad]) => Buffer.concat([Buffer.from(`{"type":"user_message","data":"${prefix}`), Buffer.from(bad), Buffer.from('"}')]))

/** Raw bytes after a completed handshake: broken framing the server must close on (1002),
 * or random bytes. Masked or not, reserved opcodes, RSV bits, oversized lengths. */
export const brokenFraming = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }))
    .map(([first, rest]) => Buffer.concat([Buffer.from([first, 0x85]), Buffer.from(rest)])),
  fc.constantFrom(
    Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), // unmasked text frame
    Buffer.from([0x83, 0x80, 0, 0, 0, 0]), // reserved opcode 3
    Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), // RSV1 without an extension
    Buffer.from([0x09, 0x80, 0, 0, 0, 0]), // fragmented ping
    Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe7]), // close with code 999
    Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), // a 2^63 length
  ),
  fc.uint8Array({ minLength: 1, maxLength: 128 }).map((a) => Buffer.from(a)),
)

// ---- HTTP requests ----

export interface FuzzRequest {
  method: string
  target: string
  headers: string[]
  body: Buffer | undefined
  /** With a WebSocket handshake. */
  upgrade: boolean
}

const ROUTES = [
  '/health',
  '/config',
  '/sessions',
  '/sessions/{id}',
  '/sessions/{id}/events',
  '/sessions/{id}/permissions',
  '/sessions/{id}/exec',
  '/files',
  '/files/stat',
  '/files/content',
  '/files/mkdir',
  '/ws',
  '/sessions/{id}/ws',
  '/files/watch',
  '/{id}',
  '/',
  '//',
  '/sessions/',
]
const PARAMS = ['after', 'limit', 'path', 'recursive', 'partial', 'label', 'access_token', 'parents', 'x']

const query = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), urlPart), { maxLength: 3 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''))

const configBody = fc.record(
  {
    agents: fc.oneof(
      fc.anything(),
      fc.dictionary(
        nasty,
        fc.record({ name: nasty, description: fc.oneof(nasty, fc.integer()), prompt: nasty, tools: fc.anything() }, { requiredKeys: [] }),
        { maxKeys: 2 },
      ),
    ),
    allowedTools: fc.oneof(fc.array(nasty, { maxLength: 3 }), fc.anything()),
    systemPrompt: fc.oneof(nasty, fc.anything()),
    model: fc.oneof(nasty, fc.integer()),
    permissionMode: fc.oneof(nasty, fc.constantFrom('plan', 'default')),
    maxTurns: fc.oneof(fc.integer(), fc.double()),
    mcpServers: fc.anything(),
    cwd: nasty,
    bogus: fc.anything(),
  },
  { requiredKeys: [] },
)
const sessionBody = fc.record(
  { id: fc.oneof(nasty, fc.integer()), config: fc.oneof(configBody, fc.record({ cwd: fc.constantFrom(...TRAVERSALS, '.', 'sub') })) },
  { requiredKeys: [] },
)
const execBody = fc.record(
  {
    command: fc.oneof(fc.constantFrom('true', 'pwd', '/nonexistent', 'ca\u0000t', '', 'cat'), nasty),
    args: fc.oneof(fc.array(fc.oneof(nasty, fc.constantFrom('a\u0000b', '../outside/canary.txt')), { maxLength: 3 }), fc.anything()),
    cwd: fc.oneof(fc.constantFrom(...TRAVERSALS), nasty),
    env: fc.oneof(fc.dictionary(nasty, nasty, { maxKeys: 2 }), fc.anything()),
    timeoutMs: fc.oneof(fc.integer(), fc.constant(1e12)),
    shell: fc.anything(),
  },
  { requiredKeys: [] },
)

/** A body: none, broken JSON, JSON of the wrong shape, a shape close to the route's, oversized, NUL bytes. */
const body = (maxBodyBytes: number) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: badJson.map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)) },
    { weight: 4, arbitrary: fc.oneof(configBody, sessionBody, execBody).map((v) => Buffer.from(JSON.stringify(v))) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: maxBodyBytes + 1, max: maxBodyBytes * 2 }).map((n) => Buffer.from(`{"model":"${'m'.repeat(n)}"}`)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
  )

const pathQuery = urlPart.map((p) => `?path=${p}`)
const bodyFor = (route: string) =>
  (route.endsWith('/exec') ? execBody : route === '/sessions' ? sessionBody : configBody).map((v) => Buffer.from(JSON.stringify(v)))

/** A request that reaches a route's own validation: the right method and a token, a body of
 * nearly the route's shape, nasty paths and ids. */
function coherentRequest(token: string): fc.Arbitrary<FuzzRequest> {
  const auth = [`Authorization: Bearer ${token}`, 'Content-Type: application/json']
  const id = fc.oneof(fc.constantFrom('default', 'fuzz'), urlPart)
  return fc.oneof(
    fc
      .tuple(fc.constantFrom('/config', '/sessions'), fc.constant(''))
      .chain(([route]) => bodyFor(route).map((b) => ({ method: 'POST', target: route, headers: auth, body: b, upgrade: false }))),
    fc
      .constantFrom<object>(
        { command: 'true', args: ['a\u0000b'] },
        { command: 'true', env: { A: 'a\u0000b' } },
        { command: 'tr\u0000ue' },
        { command: 'true', cwd: 'a\u0000b' },
        { command: 'pwd', cwd: 'link-out' },
        { command: 'cat', args: ['link-file'] },
      )
      .map((b) => ({ method: 'POST', target: '/sessions/fuzz/exec', headers: auth, body: Buffer.from(JSON.stringify(b)), upgrade: false })),
    fc.constantFrom(...TRAVERSALS).map((cwd) => ({
      method: 'POST',
      target: '/sessions',
      headers: auth,
      body: Buffer.from(JSON.stringify({ config: { cwd } })),
      upgrade: false,
    })),
    fc
      .tuple(fc.constantFrom('default', 'fuzz'), bodyFor('/exec'))
      .map(([sid, b]) => ({ method: 'POST', target: `/sessions/${sid}/exec`, headers: auth, body: b, upgrade: false })),
    fc
      .tuple(id, bodyFor('/exec'))
      .map(([sid, b]) => ({ method: 'POST', target: `/sessions/${sid}/exec`, headers: auth, body: b, upgrade: false })),
    fc
      .tuple(
        fc.constantFrom('GET /files', 'GET /files/stat', 'GET /files/content', 'PUT /files/content', 'POST /files/mkdir', 'DELETE /files'),
        pathQuery,
        fc.uint8Array({ maxLength: 64 }),
      )
      .map(([line, q, b]) => {
        const [method = 'GET', route = '/files'] = line.split(' ')
        return { method, target: `${route}${q}`, headers: auth, body: method === 'PUT' ? Buffer.from(b) : undefined, upgrade: false }
      }),
    fc
      .tuple(id, fc.constantFrom('', '/events', '/permissions'), query)
      .map(([sid, sub, q]) => ({ method: 'GET', target: `/sessions/${sid}${sub}${q}`, headers: auth, body: undefined, upgrade: false })),
    fc
      .tuple(id, fc.constantFrom('DELETE', 'GET'))
      .map(([sid, method]) => ({ method, target: `/sessions/${sid}`, headers: auth, body: undefined, upgrade: false })),
    fc.tuple(fc.constantFrom('/ws', '/sessions/{id}/ws', '/files/watch'), id, query).map(([route, sid, q]) => ({
      method: 'GET',
      target: `${route.replace('{id}', sid)}${q}`,
      headers: auth,
      body: undefined,
      upgrade: true,
    })),
  )
}

export function fuzzRequest(options: { token: string; maxBodyBytes: number }): fc.Arbitrary<FuzzRequest> {
  // The `fuzz` session stays, so requests to it keep reaching its routes' own checks.
  return fc
    .oneof({ weight: 1, arbitrary: randomRequest(options) }, { weight: 1, arbitrary: coherentRequest(options.token) })
    .filter((r) => !(r.method === 'DELETE' && /^\/sessions\/fuzz(\?|$)/.test(r.target)))
}

/** Any route, method, token, body and target, in any combination. */
function randomRequest(options: { token: string; maxBodyBytes: number }): fc.Arbitrary<FuzzRequest> {
  const auth = fc.constantFrom<'none' | 'header' | 'wrong' | 'query'>('none', 'header', 'header', 'header', 'wrong', 'query')
  return fc
    .record({
      route: fc.constantFrom(...ROUTES),
      id: fc.oneof(fc.constantFrom('default', 'fuzz', 'nope'), urlPart),
      query,
      method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      auth,
      body: body(options.maxBodyBytes),
      upgrade: fc.boolean(),
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', ''),
    })
    .map((r) => {
      const [path, ...rest] = (r.route.replaceAll('{id}', r.id) + r.query).split('?')
      let target = rest.length ? `${path}?${rest.join('?')}` : path!
      if (r.auth === 'query') target += `${target.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(options.token)}`
      const headers: string[] = []
      if (r.auth === 'header') headers.push(`Authorization: Bearer ${options.token}`)
      if (r.auth === 'wrong') headers.push(`Authorization: Bearer ${options.token.slice(0, -1)}X`)
      if (r.contentType) headers.push(`Content-Type: ${r.contentType}`)
      const upgrade = r.upgrade && r.method === 'GET' && /ws|watch/.test(r.route)
      return { method: r.method, target, headers, body: r.body, upgrade }
    })
}

/** The request's bytes: a valid HTTP/1.1 message around a possibly nasty target and body. */
export function serializeRequest(request: FuzzRequest): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1', ...request.headers, 'Connection: close']
  if (request.upgrade)
    lines.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13')
  if (request.body !== undefined) lines.push(`Content-Length: ${request.body.length}`)
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body ?? Buffer.alloc(0)])
}
