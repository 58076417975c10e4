// The proof of isolation: every operation of the OpenAPI document the server serves is tried
// as an admin, the owning member, another member and a viewer the session is shared with, and
// each answer is checked against the table below. An operation missing from the table fails,
// so a new route must say who may use it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { as, annsSession, startTenancyStack, type Answer, type Who } from '../helpers/principals.js'
import type { Stack } from '../helpers/stack.js'

type Outcome = 'ok' | 'hidden' | 'forbidden'
type Row = Record<Who, Outcome>
const row = (root: Outcome, ann: Outcome, bob: Outcome, vic: Outcome): Row => ({ root, ann, bob, vic })

const EVERYONE = row('ok', 'ok', 'ok', 'ok')
/** The default session (the original protocol's) belongs to the admins. */
const ADMINS_DEFAULT = row('ok', 'hidden', 'hidden', 'hidden')
const ADMINS_ONLY = row('ok', 'forbidden', 'forbidden', 'forbidden')
/** On ann's session, which vic reads. */
const READ = row('ok', 'ok', 'hidden', 'ok')
const DRIVE = row('ok', 'ok', 'hidden', 'forbidden')

const TABLE: Record<string, Row> = {
  'GET /health': EVERYONE,
  'GET /openapi.json': EVERYONE,
  'POST /config': ADMINS_DEFAULT,
  'GET /config': ADMINS_DEFAULT,
  'POST /sessions': row('ok', 'ok', 'ok', 'forbidden'),
  'GET /sessions': EVERYONE,
  'GET /sessions-live': EVERYONE,
  'GET /sessions/{id}': READ,
  'DELETE /sessions/{id}': DRIVE,
  'GET /sessions/{id}/events': READ,
  'GET /sessions/{id}/permissions': READ,
  'PUT /sessions/{id}/readers/{principal}': DRIVE,
  'DELETE /sessions/{id}/readers/{principal}': DRIVE,
  'POST /tokens': ADMINS_ONLY,
  'GET /tokens': ADMINS_ONLY,
  'DELETE /tokens/{id}': ADMINS_ONLY,
  'POST /sessions/{id}/exec': DRIVE,
  'GET /files': ADMINS_DEFAULT,
  'GET /files/stat': ADMINS_DEFAULT,
  'GET /files/content': ADMINS_DEFAULT,
  'PUT /files/content': ADMINS_DEFAULT,
  'POST /files/mkdir': ADMINS_DEFAULT,
  'DELETE /files': ADMINS_DEFAULT,
  'GET /sessions/{id}/files': READ,
  'GET /sessions/{id}/files/stat': READ,
  'GET /sessions/{id}/files/content': READ,
  'PUT /sessions/{id}/files/content': DRIVE,
  'POST /sessions/{id}/files/mkdir': DRIVE,
  'DELETE /sessions/{id}/files': DRIVE,
  'GET /audit': ADMINS_ONLY,
  'GET /sessions/{id}/usage': READ,
  'PUT /sessions/{id}/budget': row('ok', 'forbidden', 'hidden', 'forbidden'),
  'GET /usage': ADMINS_ONLY,
  'PUT /principals/{id}/budget': ADMINS_ONLY,
  'GET /webhooks': ADMINS_ONLY,
  'GET /ready': EVERYONE,
  'GET /metrics': ADMINS_ONLY,
}

/** Bodies and query values that make each operation succeed for whoever may use it. */
const BODIES: Record<string, unknown> = {
  'POST /config': {},
  'POST /sessions': {},
  'POST /sessions/{id}/exec': { command: 'true' },
  'PUT /files/content': 'probe',
  'PUT /sessions/{id}/files/content': 'probe',
  'POST /tokens': { label: 'walker', role: 'viewer' },
  'PUT /sessions/{id}/budget': { limitUsd: 5 },
  'PUT /principals/{id}/budget': { limitUsd: 5 },
}
const QUERY: Record<string, string> = {
  'GET /sessions-live': '?once=1',
  'POST /files/mkdir': '?path=probe-dir&parents=1',
  'POST /sessions/{id}/files/mkdir': '?path=probe-dir&parents=1',
}

interface Operation {
  key: string
  method: string
  path: string
  requiredQuery: string[]
}

function operations(doc: Record<string, any>): Operation[] {
  return Object.entries(doc['paths'] as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      requiredQuery: ((op['parameters'] ?? []) as any[]).filter((p) => p.in === 'query' && p.required).map((p) => p.name as string),
    })),
  )
}

describe('every route of the OpenAPI document, as each role', () => {
  let stack: Stack
  let ops: Operation[]
  before(async () => {
    stack = await startTenancyStack()
    const doc = await as(stack, 'vic', 'GET', '/openapi.json')
    ops = operations(doc.body)
  })
  after(() => stack.close())

  /** Fresh targets for one call: ann's session shared with vic, a token, the probe file. */
  async function targets(): Promise<Record<string, string>> {
    const id = await annsSession(stack)
    const token = await as(stack, 'root', 'POST', '/tokens', { label: 'doomed', role: 'viewer' })
    assert.equal((await as(stack, 'root', 'PUT', '/files/content?path=probe.txt', 'probe')).status < 300, true)
    assert.equal((await as(stack, 'root', 'PUT', `/sessions/${id}/files/content?path=probe.txt`, 'probe')).status < 300, true)
    return { session: id, token: token.body['token'].id, principal: 'carl' }
  }

  function url(op: Operation, t: Record<string, string>): string {
    const path = op.path
      .replace('{principal}', t['principal']!)
      .replace('{id}', op.path.startsWith('/tokens/') ? t['token']! : t['session']!)
    const query = QUERY[op.key] ?? (op.requiredQuery.length > 0 ? `?${op.requiredQuery.map((q) => `${q}=probe.txt`).join('&')}` : '')
    return `${path}${query}`
  }

  const outcome = (answer: Answer): Outcome | string => {
    if (answer.status >= 200 && answer.status < 300) return 'ok'
    if (answer.status === 404 && answer.body['code'] === 'SESSION_NOT_FOUND') return 'hidden'
    if (answer.status === 403 && answer.body['code'] === 'FORBIDDEN') return 'forbidden'
    return `${answer.status} ${answer.text.slice(0, 200)}`
  }

  it('has a row for every operation, and no row for an operation that is not served', () => {
    const keys = ops.map((op) => op.key)
    assert.deepEqual(
      keys.filter((k) => !(k in TABLE)),
      [],
      'operations no row classifies: add them to TABLE',
    )
    assert.deepEqual(
      Object.keys(TABLE).filter((k) => !keys.includes(k)),
      [],
      'rows for operations the document does not have',
    )
  })

  it('answers each role as the table says', async () => {
    const wrong: string[] = []
    for (const op of ops) {
      for (const who of ['root', 'ann', 'bob', 'vic'] as const) {
        const expected = TABLE[op.key]?.[who]
        if (!expected) continue
        const t = await targets()
        const got = outcome(await as(stack, who, op.method, url(op, t), BODIES[op.key]))
        if (got !== expected) wrong.push(`${op.key} as ${who}: expected ${expected}, got ${got}`)
      }
    }
    assert.deepEqual(wrong, [])
  })

  it('hides a session exactly as if it did not exist', async () => {
    const id = await annsSession(stack)
    const hidden = await as(stack, 'bob', 'GET', `/sessions/${id}/events`)
    const missing = await as(stack, 'bob', 'GET', '/sessions/no-such-session/events')
    assert.equal(hidden.status, missing.status)
    assert.equal(hidden.body['code'], missing.body['code'])
    assert.equal(hidden.body['error'], missing.body['error'].replace('no-such-session', id))
  })
})
