// The native session API: many sessions per server, each one Claude conversation.
import { z } from 'zod'
import { QueryConfigSchema, WorkspaceChoiceSchema } from './config.js'
import { SessionUsageSchema } from './limits.js'
import { OsStringSchema } from './os-string.js'

export const SESSION_STATES = [
  'idle', // the CLI is running and waits for a prompt
  'running', // a turn is in progress
  'waiting_for_approval', // a turn waits for a client to allow or deny a tool call
  'suspended', // no CLI process; the next prompt starts one and resumes the conversation
  'failed', // the last turn or the CLI failed; the next prompt starts a fresh CLI and resumes
] as const
export const SessionStateSchema = z.enum(SESSION_STATES)
export type SessionState = z.infer<typeof SessionStateSchema>

export const SessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" and "-", starting with a letter or a digit, 1 to 64 characters')

/** A session's own config: the query config plus where it works. */
export const SessionConfigSchema = QueryConfigSchema.extend({
  /** The session's workspace: its own directory unless it names a shared one. Fixed at creation. */
  workspace: WorkspaceChoiceSchema.optional(),
  /** A directory relative to the session's workspace (created if missing). @default its root */
  cwd: OsStringSchema.min(1).optional(),
})
export type SessionConfig = z.infer<typeof SessionConfigSchema>

export const CreateSessionRequestSchema = z.strictObject({
  /** @default a generated id */
  id: SessionIdSchema.optional(),
  config: SessionConfigSchema.optional(),
})
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>

export const SessionInfoSchema = z.object({
  id: z.string(),
  /** The SDK session id of the conversation. */
  conversationId: z.string(),
  state: SessionStateSchema,
  createdAt: z.string(),
  /** Sequence number of the session's latest event (0: none yet). */
  lastSeq: z.number().int().nonnegative(),
  /** The session's config, secrets redacted. */
  config: SessionConfigSchema,
  /** Clients attached now. */
  clients: z.number().int().nonnegative(),
  /** The principal that owns it; null: the admins (the default session). Absent from older servers. */
  owner: z.string().nullable().optional(),
  /** The limits in force and the directory's usage (docs/limits.md). */
  usage: SessionUsageSchema.optional(),
})
export type SessionInfo = z.infer<typeof SessionInfoSchema>
