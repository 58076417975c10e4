// The HTTP API as data: every route, its parameters, its request body and its answers, each
// given by a schema of this package. The OpenAPI document (openapi.ts) is generated from it,
// and the server's routes are checked against it.
import { z } from 'zod'
import { AuditListResponseSchema } from './audit.js'
import { QueryConfigSchema } from './config.js'
import { WireErrorSchema } from './errors.js'
import {
  DeleteFileResponseSchema,
  ExecLineSchema,
  ExecRequestSchema,
  FileEntryResponseSchema,
  ListFilesResponseSchema,
  MakeDirResponseSchema,
} from './files.js'
import {
  CreateSessionResponseSchema,
  DEFAULT_PAGE,
  DeleteSessionResponseSchema,
  GetConfigResponseSchema,
  GetSessionResponseSchema,
  HealthResponseSchema,
  ListSessionsResponseSchema,
  SessionsLiveLineSchema,
  ReadyResponseSchema,
  MAX_PAGE,
  PermissionEventsResponseSchema,
  PostConfigResponseSchema,
  SessionEventsResponseSchema,
} from './http.js'
import { CreateSessionRequestSchema } from './sessions.js'
import {
  CreateTokenRequestSchema,
  CreateTokenResponseSchema,
  ListTokensResponseSchema,
  RevokeTokenResponseSchema,
  SessionReadersResponseSchema,
} from './tenancy.js'
import { SessionUsageResponseSchema, SetBudgetRequestSchema, SetBudgetResponseSchema, UsageResponseSchema } from './usage.js'
import { ListWebhooksResponseSchema } from './webhooks.js'

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** A body: JSON described by a schema, or bytes (`schema` absent). */
export interface HttpBody {
  contentType: string
  schema?: z.ZodType
  description?: string
}

export interface HttpParameter {
  name: string
  in: 'path' | 'query'
  description: string
  required?: boolean
  schema: z.ZodType
}

export interface HttpOperation {
  method: HttpMethod
  /** With `:name` segments, as the server routes it: `/sessions/:id`. */
  path: string
  summary: string
  parameters?: HttpParameter[]
  body?: HttpBody
  /** The success answers by status; every operation also answers errors in the wire shape. */
  responses: Record<number, HttpBody & { description: string }>
}

const JSON_TYPE = 'application/json'
const json = (schema: z.ZodType, description = 'OK') => ({ contentType: JSON_TYPE, schema, description })
const sessionId: HttpParameter = { name: 'id', in: 'path', required: true, description: 'The session id', schema: z.string() }
const reader: HttpParameter = {
  name: 'principal',
  in: 'path',
  required: true,
  description: 'The principal id (a token label or a JWT subject)',
  schema: z.string(),
}
const tokenId: HttpParameter = { name: 'id', in: 'path', required: true, description: 'The token id', schema: z.string() }
const workspacePath = (required: boolean): HttpParameter => ({
  name: 'path',
  in: 'query',
  required,
  description: required ? 'A path relative to the workspace root' : 'A path relative to the workspace root (default: the root)',
  schema: z.string(),
})
const flag = (name: string, description: string): HttpParameter => ({
  name,
  in: 'query',
  description,
  schema: z.enum(['1', 'true', '0', 'false']),
})
const page: HttpParameter[] = [
  { name: 'after', in: 'query', description: 'Events with a sequence number above this (0 to lastSeq)', schema: z.string().regex(/^\d+$/) },
  {
    name: 'limit',
    in: 'query',
    description: `At most this many events (1 to ${MAX_PAGE}, default ${DEFAULT_PAGE})`,
    schema: z.string().regex(/^\d+$/),
  },
]

/** The files API of the default session's workspace; each is also served per session below. */
const FILE_OPERATIONS: readonly HttpOperation[] = [
  {
    method: 'GET',
    path: '/files',
    summary: 'List a directory',
    parameters: [workspacePath(false), flag('recursive', 'List the whole tree')],
    responses: { 200: json(ListFilesResponseSchema) },
  },
  {
    method: 'GET',
    path: '/files/stat',
    summary: 'One entry',
    parameters: [workspacePath(false)],
    responses: { 200: json(FileEntryResponseSchema) },
  },
  {
    method: 'GET',
    path: '/files/content',
    summary: "A file's bytes",
    parameters: [workspacePath(true)],
    responses: { 200: { contentType: 'application/octet-stream', description: 'The file' } },
  },
  {
    method: 'PUT',
    path: '/files/content',
    summary: 'Write a file (atomically), creating parent directories',
    parameters: [workspacePath(true)],
    body: { contentType: 'application/octet-stream', description: 'The new content' },
    responses: { 200: json(FileEntryResponseSchema, 'Replaced'), 201: json(FileEntryResponseSchema, 'Created') },
  },
  {
    method: 'POST',
    path: '/files/mkdir',
    summary: 'Make a directory',
    parameters: [workspacePath(true), flag('parents', 'Make missing parents; an existing directory is no error')],
    responses: { 200: json(MakeDirResponseSchema, 'It existed'), 201: json(MakeDirResponseSchema, 'Created') },
  },
  {
    method: 'DELETE',
    path: '/files',
    summary: 'Delete a file, a link or a directory',
    parameters: [workspacePath(true), flag('recursive', 'Delete a directory with its contents')],
    responses: { 200: json(DeleteFileResponseSchema) },
  },
]

/** The same operation on one session's workspace: `/sessions/:id/files...`. */
const scopedToSession = (op: HttpOperation): HttpOperation => ({
  ...op,
  path: `/sessions/:id${op.path}`,
  summary: `${op.summary} (in the session's workspace)`,
  parameters: [sessionId, ...(op.parameters ?? [])],
})

export const HTTP_API: readonly HttpOperation[] = [
  {
    method: 'GET',
    path: '/health',
    summary: 'Liveness, and whether the offline demo model answers',
    responses: { 200: json(HealthResponseSchema) },
  },
  {
    method: 'GET',
    path: '/ready',
    summary: 'Readiness: the data directory takes a write, the sandbox starts, the model endpoint answers (when configured)',
    responses: {
      200: json(ReadyResponseSchema, 'Every check passed'),
      503: json(ReadyResponseSchema, 'A check failed: `checks` names it'),
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format); served on METRICS_PORT instead when that is set',
    responses: { 200: { contentType: 'text/plain; version=0.0.4; charset=utf-8', description: 'Prometheus text format' } },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: { contentType: JSON_TYPE, description: 'OpenAPI 3.1' } },
  },
  {
    method: 'POST',
    path: '/config',
    summary: "Replace the default session's query config (the original protocol)",
    body: json(QueryConfigSchema),
    responses: { 200: json(PostConfigResponseSchema) },
  },
  {
    method: 'GET',
    path: '/config',
    summary: "The default session's config and running agent",
    responses: { 200: json(GetConfigResponseSchema) },
  },
  {
    method: 'POST',
    path: '/sessions',
    summary: 'Create a session',
    body: json(CreateSessionRequestSchema),
    responses: { 201: json(CreateSessionResponseSchema, 'Created') },
  },
  { method: 'GET', path: '/sessions', summary: 'List sessions', responses: { 200: json(ListSessionsResponseSchema) } },
  {
    method: 'GET',
    path: '/sessions-live',
    summary: 'The sessions list, live: the whole list again each time a session changes',
    parameters: [{ name: 'once', in: 'query', description: '`1`: end after the first list', schema: z.enum(['1']) }],
    responses: {
      200: {
        contentType: 'application/x-ndjson',
        schema: SessionsLiveLineSchema,
        description: 'One SessionsLiveLine per line: the sessions the caller may read, then again on each change',
      },
    },
  },
  {
    method: 'GET',
    path: '/sessions/:id',
    summary: 'A session and its running agent',
    parameters: [sessionId],
    responses: { 200: json(GetSessionResponseSchema) },
  },
  {
    method: 'DELETE',
    path: '/sessions/:id',
    summary: 'Delete a session',
    parameters: [sessionId],
    responses: { 200: json(DeleteSessionResponseSchema) },
  },
  {
    method: 'GET',
    path: '/sessions/:id/events',
    summary: "A page of the session's event history",
    parameters: [sessionId, ...page],
    responses: { 200: json(SessionEventsResponseSchema) },
  },
  {
    method: 'GET',
    path: '/sessions/:id/permissions',
    summary: 'The approval audit trail',
    parameters: [sessionId, ...page],
    responses: { 200: json(PermissionEventsResponseSchema) },
  },
  {
    method: 'PUT',
    path: '/sessions/:id/readers/:principal',
    summary: 'Share the session with a principal as a reader (its owner or an admin)',
    parameters: [sessionId, reader],
    responses: { 200: json(SessionReadersResponseSchema) },
  },
  {
    method: 'DELETE',
    path: '/sessions/:id/readers/:principal',
    summary: 'Take a reader back (its owner or an admin); its open sockets on the session close',
    parameters: [sessionId, reader],
    responses: { 200: json(SessionReadersResponseSchema) },
  },
  {
    method: 'POST',
    path: '/tokens',
    summary: 'Create a token (admins): its value is in this answer only',
    body: json(CreateTokenRequestSchema),
    responses: { 201: json(CreateTokenResponseSchema, 'Created') },
  },
  {
    method: 'GET',
    path: '/tokens',
    summary: 'The run-time tokens (admins), never their values',
    responses: { 200: json(ListTokensResponseSchema) },
  },
  {
    method: 'DELETE',
    path: '/tokens/:id',
    summary: 'Revoke a token (admins): refused at once, its open WebSockets closed',
    parameters: [tokenId],
    responses: { 200: json(RevokeTokenResponseSchema) },
  },
  {
    method: 'GET',
    path: '/sessions/:id/usage',
    summary: "The session's model usage, its cost and its budget",
    parameters: [sessionId],
    responses: { 200: json(SessionUsageResponseSchema) },
  },
  {
    method: 'PUT',
    path: '/sessions/:id/budget',
    summary: "Set the session's spending cap (null: none); admins only",
    parameters: [sessionId],
    body: json(SetBudgetRequestSchema),
    responses: { 200: json(SetBudgetResponseSchema) },
  },
  {
    method: 'GET',
    path: '/usage',
    summary: 'Model usage, cost and budget per principal',
    parameters: [{ name: 'principal', in: 'query', description: 'Only this principal', schema: z.string().min(1) }],
    responses: { 200: json(UsageResponseSchema) },
  },
  {
    method: 'PUT',
    path: '/principals/:id/budget',
    summary: "Set a principal's spending cap over all its sessions (null: none); admins only",
    parameters: [{ name: 'id', in: 'path', required: true, description: 'The principal id (a token label)', schema: z.string() }],
    body: json(SetBudgetRequestSchema),
    responses: { 200: json(SetBudgetResponseSchema) },
  },
  {
    method: 'POST',
    path: '/sessions/:id/exec',
    summary: "Run a command in the session's sandbox; output streams as NDJSON lines",
    parameters: [sessionId],
    body: json(ExecRequestSchema),
    responses: {
      200: { contentType: 'application/x-ndjson', schema: ExecLineSchema, description: 'One ExecLine per line; the last is `exit`' },
    },
  },
  {
    method: 'GET',
    path: '/audit',
    summary: 'The audit log: who did what, when, from where (admins)',
    parameters: [
      { name: 'session', in: 'query', description: 'Only entries about this session', schema: z.string() },
      { name: 'principal', in: 'query', description: 'Only entries by this principal', schema: z.string() },
      { name: 'after', in: 'query', description: 'Entries with an id above this', schema: z.string().regex(/^\d+$/) },
      {
        name: 'limit',
        in: 'query',
        description: `At most this many entries (1 to ${MAX_PAGE}, default ${DEFAULT_PAGE})`,
        schema: z.string().regex(/^\d+$/),
      },
    ],
    responses: { 200: json(AuditListResponseSchema) },
  },
  ...FILE_OPERATIONS,
  ...FILE_OPERATIONS.map(scopedToSession),
  {
    method: 'GET',
    path: '/webhooks',
    summary: 'The configured webhooks (without secrets) and their newest deliveries',
    parameters: [{ ...page[1]!, description: `At most this many deliveries (1 to ${MAX_PAGE}, default ${DEFAULT_PAGE})` }],
    responses: { 200: json(ListWebhooksResponseSchema) },
  },
]

/** The body of every error answer. */
export const HTTP_ERROR_BODY: HttpBody = json(WireErrorSchema)
