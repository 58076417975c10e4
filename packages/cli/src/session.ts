// Opening the session a command works on: the default session through the client itself, or
// a named one through client.sessions (created first with --new), so chat, attach and run
// drive one surface whichever it is.
import { randomBytes } from 'node:crypto'
import type { ClaudeAgentClient, SessionConnection } from '@claude-agent/client'
import { PERMISSION_MODES, PermissionModeSchema, type PermissionMode } from '@claude-agent/protocol'
import type { ClientSetup } from './connect.js'
import { UsageError } from './errors.js'

/** What a command uses of a session: the client (default session) or an attached one. */
export type Conn = Pick<
  SessionConnection,
  | 'prompt'
  | 'interrupt'
  | 'onMessage'
  | 'onPermissionRequest'
  | 'onPermissionResolved'
  | 'onConnectionChange'
  | 'control'
  | 'files'
  | 'commands'
  | 'lastSeq'
>

export interface SessionChoice {
  session?: string | undefined
  new?: boolean | undefined
  model?: string | undefined
  mode?: string | undefined
  /** Replay the session's events from this seq first (0: everything). */
  after?: number | undefined
}

export interface OpenSession {
  conn: Conn
  id: string
  /** Closes an attached session (the client is stopped by the caller). */
  close(): Promise<void>
}

export async function openSession(client: ClaudeAgentClient, setup: ClientSetup, choice: SessionChoice): Promise<OpenSession> {
  if (choice.mode !== undefined && !PermissionModeSchema.safeParse(choice.mode).success) {
    throw new UsageError(`--mode must be one of ${PERMISSION_MODES.join(', ')}`)
  }
  const mode = choice.mode as PermissionMode | undefined
  if (setup.starts || (!choice.session && !choice.new)) await client.start()
  if (!choice.session && !choice.new) {
    await applyLive(client, choice.model, mode)
    return { conn: client, id: client.connection?.sessionId ?? 'default', close: async () => {} }
  }
  let id = choice.session
  if (choice.new) {
    const config = { ...(choice.model ? { model: choice.model } : {}), ...(mode ? { permissionMode: mode } : {}) }
    id = (await client.sessions.create({ ...(id ? { id } : { id: `chat-${randomBytes(4).toString('hex')}` }), config })).id
  }
  const attached = await client.sessions.attach(id!, choice.after !== undefined ? { after: choice.after } : {})
  if (!choice.new) await applyLive(attached, choice.model, mode)
  return { conn: attached, id: id!, close: () => attached.close() }
}

async function applyLive(conn: Pick<Conn, 'control'>, model: string | undefined, mode: PermissionMode | undefined): Promise<void> {
  if (model) await conn.control.setModel(model)
  if (mode) await conn.control.setPermissionMode(mode)
}
