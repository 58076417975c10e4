// Parsing at the trust boundary: text in, a typed frame or a typed error out. Never throws.
import type { z } from 'zod'
import type { WireError } from './errors.js'
import { WATCH_FRAME_SCHEMAS, type WatchFrame } from './files.js'
import { CLIENT_FRAME_SCHEMAS, SERVER_FRAME_SCHEMAS, type ClientFrame, type ServerFrame } from './frames.js'

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: WireError }

export interface IssueDetail {
  path: string
  message: string
}

/** Zod issues as `{path, message}` with dotted paths, e.g. `data.message.content`. */
export function describeIssues(error: z.ZodError): IssueDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }))
}

/** One line naming every bad field: `data.message: expected object; maxTurns: ...`. */
export function summarizeIssues(issues: IssueDetail[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ')
}

/** How deep a frame or body may nest objects and arrays. JSON.parse takes any depth, but
 * JSON.stringify (the server's audit record, the SDK writing a prompt to the CLI) recurses and
 * overflows the stack on a deep one: a single frame of 200,000 `[` ended the server. No real
 * message comes near this. */
export const MAX_JSON_DEPTH = 128

/** Whether `value` nests objects and arrays deeper than `max` levels. Iterative: no recursion
 * to overflow on the very input it guards against. */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  return jsonShapeProblem(value, max)?.kind === 'depth'
}

/** What makes parsed JSON unfit to accept: nesting deeper than `max`, or an object key
 * `__proto__` (JSON.parse keeps it as an own key, but every copy made by assignment, zod's
 * records included, sets the prototype instead, so the entry vanished without a word). */
export type JsonShapeProblem = { kind: 'depth' } | { kind: 'proto-key'; path: string }

export function jsonShapeProblem(value: unknown, max: number = MAX_JSON_DEPTH): JsonShapeProblem | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]]
  let protoKey = false
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (typeof item !== 'object' || item === null) continue
    if (depth > max) return { kind: 'depth' }
    if (!Array.isArray(item) && Object.hasOwn(item, '__proto__')) protoKey = true
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return protoKey ? { kind: 'proto-key', path: protoKeyPath(value) } : undefined
}

/** The dotted path of the first `__proto__` key (only walked once one was seen; depth is
 * already bounded then). Each entry links to its parent instead of copying its path: copies
 * cost every entry its whole depth, and a 900 KB body of 300,000 objects 120 deep took 600 MB
 * and 4 s of the event loop (a 16 MiB frame, the process). */
function protoKeyPath(value: unknown): string {
  const queue: Array<{ item: unknown; parent: number; key: string }> = [{ item: value, parent: -1, key: '' }]
  for (let next = 0; next < queue.length; next++) {
    const { item } = queue[next]!
    if (typeof item !== 'object' || item === null) continue
    if (!Array.isArray(item) && Object.hasOwn(item, '__proto__')) {
      const path = ['__proto__']
      for (let at = next; at > 0; at = queue[at]!.parent) path.unshift(queue[at]!.key)
      return path.join('.').slice(-256)
    }
    for (const [key, child] of Object.entries(item)) {
      if (typeof child === 'object' && child !== null) queue.push({ item: child, parent: next, key })
    }
  }
  return '__proto__'
}

/** The message for a `__proto__` key, the same for frames and bodies. */
export const PROTO_KEY_MESSAGE = 'a key named "__proto__" is not accepted'

function parseJson(text: string, maxDepth: number | undefined): ParseResult<unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: { code: 'BAD_JSON', error: 'Frame is not valid JSON' } }
  }
  const problem = maxDepth === undefined ? undefined : jsonShapeProblem(value, maxDepth)
  if (problem?.kind === 'depth') {
    return { ok: false, error: { code: 'INVALID_FRAME', error: `Frame nests deeper than ${maxDepth} levels`, data: { limit: maxDepth } } }
  }
  if (problem?.kind === 'proto-key') {
    const issues = [{ path: problem.path, message: PROTO_KEY_MESSAGE }]
    return { ok: false, error: { code: 'INVALID_FRAME', error: `Invalid frame: ${summarizeIssues(issues)}`, data: { issues } } }
  }
  return { ok: true, value }
}

/** `maxDepth`: refuse deeper nesting (frames from clients; the server's own may carry what
 * the model wrote, as deep as it is). */
function parseFrame<T>(text: string, schemas: Record<string, z.ZodType<T>>, maxDepth?: number): ParseResult<T> {
  const knownTypes = Object.keys(schemas)
  const json = parseJson(text, maxDepth)
  if (!json.ok) return json
  const value = json.value
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: { code: 'INVALID_FRAME', error: 'Frame must be a JSON object' } }
  }
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string') {
    return {
      ok: false,
      error: {
        code: 'INVALID_FRAME',
        error: 'Frame needs a string "type" field',
        data: { issues: [{ path: 'type', message: 'required string' }] },
      },
    }
  }
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined
  if (!schema) {
    return {
      ok: false,
      error: {
        code: 'UNKNOWN_FRAME_TYPE',
        error: `Unknown frame type "${type.slice(0, 64)}"; expected one of ${knownTypes.join(', ')}`,
        data: { type: type.slice(0, 64), expected: knownTypes },
      },
    }
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error)
    return {
      ok: false,
      error: { code: 'INVALID_FRAME', error: `Invalid ${type} frame: ${summarizeIssues(issues)}`, data: { issues } },
    }
  }
  return { ok: true, value: parsed.data }
}

/** Parse a frame a client sent. */
export const parseClientFrame = (text: string): ParseResult<ClientFrame> => parseFrame(text, CLIENT_FRAME_SCHEMAS, MAX_JSON_DEPTH)

/** Parse a frame a server sent. */
export const parseServerFrame = (text: string): ParseResult<ServerFrame> => parseFrame(text, SERVER_FRAME_SCHEMAS)

/** Parse a frame of the file watch socket (`/files/watch`). */
export const parseWatchFrame = (text: string): ParseResult<WatchFrame> => parseFrame(text, WATCH_FRAME_SCHEMAS)
