// Principals and roles, session readers and run-time tokens: who may do what (docs/tenancy.md).
import { z } from 'zod'

export const ROLES = [
  'admin', // every session, server-wide settings, tokens
  'member', // creates sessions, sees and drives only its own (and those shared with it, read only)
  'viewer', // reads the sessions shared with it; answers nothing
] as const
export const RoleSchema = z.enum(ROLES)
export type Role = z.infer<typeof RoleSchema>

/** Who a request acts as: a token's label (or a JWT's mapped subject) and its role. */
export const PrincipalSchema = z.object({ id: z.string(), role: RoleSchema })
export type Principal = z.infer<typeof PrincipalSchema>

/** A principal id as the API takes it (a token label, a JWT subject). */
export const PrincipalIdSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((id) => !/[,\p{Cc}]/u.test(id), 'no control characters and no comma')

/** `PUT /sessions/:id/readers/:principal` and `DELETE` of the same: the readers afterwards. */
export const SessionReadersResponseSchema = z.object({ session: z.string(), readers: z.array(z.string()) })
export type SessionReadersResponse = z.infer<typeof SessionReadersResponseSchema>

/** A run-time token as listed: never its value. */
export const TokenInfoSchema = z.object({
  id: z.string(),
  label: PrincipalIdSchema,
  role: RoleSchema,
  createdAt: z.string(),
  /** The principal that created it. */
  createdBy: z.string(),
})
export type TokenInfo = z.infer<typeof TokenInfoSchema>

/** `POST /tokens`. */
export const CreateTokenRequestSchema = z.strictObject({ label: PrincipalIdSchema, role: RoleSchema })
export type CreateTokenRequest = z.infer<typeof CreateTokenRequestSchema>

/** `POST /tokens` (201): the token's value, shown this once and never again. */
export const CreateTokenResponseSchema = z.object({ token: TokenInfoSchema, secret: z.string() })
export type CreateTokenResponse = z.infer<typeof CreateTokenResponseSchema>

/** `GET /tokens`. */
export const ListTokensResponseSchema = z.object({ tokens: z.array(TokenInfoSchema) })
export type ListTokensResponse = z.infer<typeof ListTokensResponseSchema>

/** `DELETE /tokens/:id`: the id that was revoked. */
export const RevokeTokenResponseSchema = z.object({ revoked: z.string() })
export type RevokeTokenResponse = z.infer<typeof RevokeTokenResponseSchema>
