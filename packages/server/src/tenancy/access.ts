// The one place that decides who may do what. Every HTTP route (through http-gate.ts), every
// WebSocket upgrade and every client frame asks `can` or `authorize`. A session a principal may
// not see answers exactly like a session that does not exist (SESSION_NOT_FOUND); an action its
// role may not take on a session it sees is FORBIDDEN.
import type { PermissionMode } from '@claude-agent/protocol'
import { ServerError } from '../errors.js'
import type { Principal } from './principal.js'

/** What can be done to one session. */
export type SessionAction =
  | 'session.read' // its info, events, approvals trail, files; attach a socket and watch
  | 'session.drive' // prompt, interrupt, approve, control, exec, write and delete files, config
  | 'session.share' // add and remove readers
  | 'session.budget' // set its spending cap: admins only
  | 'session.delete'

/** What can be done to the server as a whole. */
export type ServerAction =
  | 'server.read' // health, the API document, the (filtered) session list
  | 'sessions.create'
  | 'tokens.manage'
  | 'audit.read'
  | 'server.admin' // anything else server-wide: settings, usage of others, and routes not yet classified

export type Action = SessionAction | ServerAction

/** What access needs to know of a session. */
export interface SessionAccess {
  id: string
  /** null: the admins' (the default session). */
  owner: string | null
  readers: readonly string[]
}

export type Decision = 'allow' | 'hidden' | 'forbidden'

const isSessionAction = (action: Action): action is SessionAction => action.startsWith('session.')

function sees(principal: Principal, session: SessionAccess): boolean {
  if (principal.role === 'admin') return true
  return (session.owner !== null && session.owner === principal.id) || session.readers.includes(principal.id)
}

/** Owners drive their own sessions unless their role reads only; readers only read. */
function mayOnSession(principal: Principal, action: SessionAction, session: SessionAccess): boolean {
  if (principal.role === 'admin' || action === 'session.read') return true
  return action !== 'session.budget' && principal.role === 'member' && session.owner === principal.id
}

function mayOnServer(principal: Principal, action: ServerAction): boolean {
  if (principal.role === 'admin' || action === 'server.read') return true
  return action === 'sessions.create' && principal.role === 'member'
}

/**
 * @example
 * can({ id: 'bob', role: 'member' }, 'session.read', { id: 's1', owner: 'ann', readers: [] })     // 'hidden'
 * can({ id: 'vic', role: 'viewer' }, 'session.drive', { id: 's1', owner: 'ann', readers: ['vic'] }) // 'forbidden'
 */
export function can(principal: Principal, action: Action, session?: SessionAccess): Decision {
  if (!isSessionAction(action)) return mayOnServer(principal, action) ? 'allow' : 'forbidden'
  if (!session) throw new Error(`${action} needs a session`)
  if (!sees(principal, session)) return 'hidden'
  return mayOnSession(principal, action, session) ? 'allow' : 'forbidden'
}

/** The same message as a session that does not exist: a hidden one must not be told apart. */
export const sessionNotFound = (id: string) => new ServerError('SESSION_NOT_FOUND', `No session with id "${id}"`)

const forbidden = (principal: Principal, action: Action) =>
  new ServerError('FORBIDDEN', `The ${principal.role} "${principal.id}" may not ${ACTION_NAMES[action]}`, {
    action,
    role: principal.role,
  })

const ACTION_NAMES: Readonly<Record<Action, string>> = {
  'session.read': 'read this session',
  'session.drive': 'drive this session (prompts, approvals, interrupts, control, exec, file changes)',
  'session.share': 'share this session',
  'session.budget': "set this session's budget",
  'session.delete': 'delete this session',
  'server.read': 'read the server',
  'sessions.create': 'create sessions',
  'tokens.manage': 'manage tokens',
  'audit.read': 'read the audit log',
  'server.admin': 'use this admin route',
}

/** Throws SESSION_NOT_FOUND (hidden) or FORBIDDEN; returns when allowed. */
export function authorize(principal: Principal, action: Action, session?: SessionAccess): void {
  const decision = can(principal, action, session)
  if (decision === 'hidden') throw sessionNotFound(session!.id)
  if (decision === 'forbidden') throw forbidden(principal, action)
}

/** Members may use only the modes the server allows them (MEMBER_PERMISSION_MODES); admins any. */
export function authorizeMode(principal: Principal, mode: PermissionMode, memberModes: readonly PermissionMode[]): void {
  if (principal.role === 'admin' || memberModes.includes(mode)) return
  throw new ServerError(
    'FORBIDDEN',
    `Permission mode "${mode}" is not allowed for ${principal.role}s (allowed: ${memberModes.join(', ')})`,
    {
      action: 'permission_mode',
      mode,
      allowed: memberModes,
    },
  )
}

/** Only admins raise a session's limits above the server's (`raised`: the limits a config raises). */
export function authorizeLimits(principal: Principal, raised: readonly string[]): void {
  if (principal.role === 'admin' || raised.length === 0) return
  throw new ServerError('FORBIDDEN', `Only admins may raise a session's limits above the server's (${raised.join(', ')})`, {
    action: 'raise_limits',
    limits: [...raised],
  })
}

/** A shared workspace's files are every sharing session's (docs/tenancy.md): it belongs to the
 * principal that first named it, and a member works in it only when it is its own. `owners`:
 * its recorded owner, or (a directory made before owners were recorded) the owners of the
 * sessions in it. Admins join any. */
export function authorizeSharedWorkspace(principal: Principal, name: string, owners: readonly string[]): void {
  if (principal.role === 'admin' || owners.every((owner) => owner === principal.id)) return
  throw new ServerError('FORBIDDEN', `The shared workspace "${name}" belongs to another principal`, {
    action: 'shared_workspace',
    workspace: name,
  })
}
