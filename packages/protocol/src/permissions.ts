// Remote tool approval: the server asks every attached client, the first valid answer wins,
// and both the question and the decision are session events in the log (the audit trail).
import { z } from 'zod'

export const PERMISSION_SCOPES = ['once', 'session'] as const
export const PermissionScopeSchema = z.enum(PERMISSION_SCOPES)
export type PermissionScope = z.infer<typeof PermissionScopeSchema>

/** Why a request was resolved. */
export const RESOLUTION_REASONS = [
  'client', // a client answered
  'session_rule', // an earlier "allow for the session" answer covers this tool
  'timeout', // nobody answered in time: denied
  'cancelled', // the turn ended (interrupt, failure) before an answer
  'restart', // the server stopped while the request was open: denied, never allowed
] as const
export const ResolutionReasonSchema = z.enum(RESOLUTION_REASONS)

/** Server -> clients (logged): a tool call waits for a decision. */
export const PermissionRequestFrameSchema = z.object({
  type: z.literal('permission_request'),
  requestId: z.string(),
  toolName: z.string(),
  input: z.record(z.string(), z.unknown()),
  toolUseId: z.string().optional(),
  /** The sub-agent that asks; absent for the main agent. */
  agentId: z.string().optional(),
  /** The SDK's suggested permission updates, as it sent them. */
  suggestions: z.array(z.unknown()).optional(),
  /** Human-readable text from Claude Code, when it gives some. */
  title: z.string().optional(),
  description: z.string().optional(),
  decisionReason: z.string().optional(),
  /** When the request is denied if nobody answers (ISO time). */
  expiresAt: z.string(),
  seq: z.number().int().nonnegative().optional(),
})
export type PermissionRequestFrame = z.infer<typeof PermissionRequestFrameSchema>

/** Who decided: the connection and the label of its credential or `?label=`. */
export const DeciderSchema = z.object({ connectionId: z.string(), label: z.string().optional() })
export type Decider = z.infer<typeof DeciderSchema>

/** Server -> clients (logged): the outcome, once, for every request. */
export const PermissionResolvedFrameSchema = z.object({
  type: z.literal('permission_resolved'),
  requestId: z.string(),
  toolName: z.string(),
  decision: z.enum(['allow', 'deny']),
  scope: PermissionScopeSchema,
  reason: ResolutionReasonSchema,
  /** Set when reason is `client`. */
  by: DeciderSchema.optional(),
  /** The input the tool runs with, when a client edited it. */
  updatedInput: z.record(z.string(), z.unknown()).optional(),
  /** What the model is told on a deny. */
  message: z.string().optional(),
  seq: z.number().int().nonnegative().optional(),
})
export type PermissionResolvedFrame = z.infer<typeof PermissionResolvedFrameSchema>

/** Client -> server: an answer to a permission_request. */
export const PermissionResponseFrameSchema = z.discriminatedUnion('decision', [
  z.object({
    type: z.literal('permission_response'),
    requestId: z.string().min(1),
    decision: z.literal('allow'),
    /** Run the tool with this input instead (e.g. an edited command). */
    updatedInput: z.record(z.string(), z.unknown()).optional(),
    /** `session`: allow this tool for the rest of the session without asking. @default 'once' */
    scope: PermissionScopeSchema.optional(),
  }),
  z.object({
    type: z.literal('permission_response'),
    requestId: z.string().min(1),
    decision: z.literal('deny'),
    /** Told to the model. @default 'The user denied this tool call.' */
    message: z.string().optional(),
    scope: z.literal('once').optional(),
  }),
])
export type PermissionResponseFrame = z.infer<typeof PermissionResponseFrameSchema>
