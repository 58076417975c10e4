// The audit log's entries as the server returns them (`GET /audit`): who did what, when, from
// where, to which session. Never a secret: a prompt is its uuid and length, never its text.
import { z } from 'zod'

export const AUDIT_ACTIONS = [
  'session_create',
  'session_delete',
  'prompt',
  'interrupt',
  'control',
  'permission_answer',
  'exec',
  'file_write',
  'file_mkdir',
  'file_delete',
  'token_create',
  'token_revoke',
  'budget_set',
  'session_share',
  'session_unshare',
  'config_set',
] as const
export const AuditActionSchema = z.enum(AUDIT_ACTIONS)
export type AuditAction = z.infer<typeof AuditActionSchema>

export const AuditEntrySchema = z.object({
  /** Increasing; the cursor of `?after=`. */
  id: z.number().int().positive(),
  /** ISO 8601. */
  at: z.string(),
  /** The token's label (or the mapped subject); `local` on a server without tokens. */
  principal: z.string(),
  action: AuditActionSchema,
  /** The session acted on (absent for server-wide actions). */
  sessionId: z.string().optional(),
  /** The client's address as the server's socket saw it (absent in process). */
  remote: z.string().optional(),
  /** A few facts about the action (never a secret, never prompt text). */
  detail: z.record(z.string(), z.unknown()),
})
export type AuditEntry = z.infer<typeof AuditEntrySchema>

/** `GET /audit`: oldest first; `next` is the `after` of the next page when there may be more. */
export const AuditListResponseSchema = z.object({
  entries: z.array(AuditEntrySchema),
  next: z.number().int().positive().optional(),
})
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>
