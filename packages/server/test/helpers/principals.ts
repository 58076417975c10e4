// A server with one principal per role (and a second member) for the tenancy tests, and fetch
// helpers that act as each of them.
import type { Json } from './http.js'
import { startStack, type Stack, type StackOptions } from './stack.js'

export const PRINCIPALS = {
  root: { role: 'admin', token: 'tok-root-admin-0123456789' },
  ann: { role: 'member', token: 'tok-ann-member-0123456789' },
  bob: { role: 'member', token: 'tok-bob-member-0123456789' },
  vic: { role: 'viewer', token: 'tok-vic-viewer-0123456789' },
} as const
export type Who = keyof typeof PRINCIPALS

export function startTenancyStack(options: StackOptions = {}): Promise<Stack> {
  return startStack({
    ...options,
    settings: {
      prewarm: false,
      // The route walk makes a session of ann's per route: no count here (session-quota.test.ts has its own).
      maxSessionsPerPrincipal: 0,
      authTokens: Object.entries(PRINCIPALS).map(([label, p]) => ({ label, role: p.role, token: p.token })),
      ...options.settings,
    },
  })
}

export interface Answer {
  status: number
  body: Json
  text: string
}

/** One request as `who` (a principal name, or a raw token). */
export async function as(
  stack: Stack,
  who: Who | { token: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const token = typeof who === 'string' ? PRINCIPALS[who].token : who.token
  const bytes = body instanceof Uint8Array || typeof body === 'string'
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': bytes ? 'application/octet-stream' : 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: bytes ? (body as string) : JSON.stringify(body) }),
  })
  const text = await res.text()
  let parsed: Json
  try {
    parsed = text && res.headers.get('content-type')?.includes('application/json') ? (JSON.parse(text) as Json) : {}
  } catch {
    parsed = {}
  }
  return { status: res.status, body: parsed, text }
}

/** A session ann owns and vic reads. */
export async function annsSession(stack: Stack): Promise<string> {
  const created = await as(stack, 'ann', 'POST', '/sessions', {})
  if (created.status !== 201) throw new Error(`ann could not create a session: ${created.text}`)
  const id = created.body['session'].id as string
  const shared = await as(stack, 'ann', 'PUT', `/sessions/${id}/readers/vic`)
  if (shared.status !== 200) throw new Error(`ann could not share: ${shared.text}`)
  return id
}

/** A new member token (made by root) and a session it owns: the token's secret and id. */
export async function memberWithSession(stack: Stack, label: string, sessionId: string): Promise<{ token: string; tokenId: string }> {
  const made = await as(stack, 'root', 'POST', '/tokens', { label, role: 'member' })
  if (made.status !== 201) throw new Error(`root could not make a token: ${made.text}`)
  const token = made.body['secret'] as string
  const created = await as(stack, { token }, 'POST', '/sessions', { id: sessionId })
  if (created.status !== 201) throw new Error(`${label} could not create a session: ${created.text}`)
  return { token, tokenId: made.body['token'].id as string }
}
